import Foundation

/// Checks on JSON config files that Foundation's parsers leave out. JSONSerialization and
/// JSONDecoder resolve repeated keys silently (the last one wins). JSONDecoder reports a number
/// that does not fit its field as "not valid JSON" with no key (seen with Swift 6.3's
/// Foundation on Linux).
enum JSONChecks {
    /// Returns the dotted path of the first key that appears twice in one object, as in
    /// `gan.epochs`, or nil. `data` must be JSON that JSONSerialization accepts.
    static func firstDuplicateKey(in data: Data) -> String? {
        var scanner = KeyScanner(bytes: Array(data))
        return scanner.firstDuplicate()
    }

    /// Finds the number that makes `decodes` fail: each number of the document in turn is
    /// replaced by 0 and the document decoded again. Returns its dotted path and its text, or
    /// nil when no single number is the cause.
    static func unrepresentableNumber(in data: Data, decodes: (Data) -> Bool) -> (path: String, value: String)? {
        guard let root = try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed) else { return nil }
        for (path, value) in numbers(root, path: []) {
            let patched = replacing(root, at: path[...], with: NSNumber(value: 0))
            guard let patchedData = try? JSONSerialization.data(withJSONObject: patched, options: .fragmentsAllowed)
            else { continue }
            if decodes(patchedData) {
                return (dotted(path), "\(value)")
            }
        }
        return nil
    }

    /// Returns "config key 'KEY': expected an integer ..., found VALUE" when `error` is
    /// JSONDecoder's keyless "not valid JSON" error and one number of `data` causes it (found
    /// by decoding again with `decode`), else nil.
    static func numberMessage(for error: DecodingError, in data: Data, decode: (Data) throws -> Void) -> String? {
        guard case .dataCorrupted(let context) = error, context.codingPath.isEmpty else { return nil }
        let found = unrepresentableNumber(in: data) { patched in
            do {
                try decode(patched)
                return true
            } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
                return false
            } catch {
                return true
            }
        }
        guard let (path, value) = found else { return nil }
        return "config key '\(path)': expected an integer that fits in 64 bits, found \(value)"
    }

    // MARK: - Numbers

    private enum Step {
        case key(String)
        case index(Int)
    }

    private static func numbers(_ value: Any, path: [Step]) -> [([Step], NSNumber)] {
        if let object = value as? [String: Any] {
            return object.keys.sorted().flatMap { numbers(object[$0] as Any, path: path + [.key($0)]) }
        }
        if let array = value as? [Any] {
            return array.enumerated().flatMap { numbers($0.element, path: path + [.index($0.offset)]) }
        }
        // Booleans bridge to NSNumber too, with the objCType "c".
        if let number = value as? NSNumber, String(cString: number.objCType) != "c" {
            return [(path, number)]
        }
        return []
    }

    private static func replacing(_ value: Any, at path: ArraySlice<Step>, with replacement: Any) -> Any {
        guard let step = path.first else { return replacement }
        switch step {
        case .key(let key):
            guard var object = value as? [String: Any], let child = object[key] else { return value }
            object[key] = replacing(child, at: path.dropFirst(), with: replacement)
            return object
        case .index(let index):
            guard var array = value as? [Any], array.indices.contains(index) else { return value }
            array[index] = replacing(array[index], at: path.dropFirst(), with: replacement)
            return array
        }
    }

    private static func dotted(_ path: [Step]) -> String {
        var text = ""
        for step in path {
            switch step {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text.isEmpty ? "top level" : text
    }
}

/// A cursor over JSON text that JSONSerialization has accepted, tracking the open objects and
/// arrays so that it can name where a repeated key sits.
private struct KeyScanner {
    let bytes: [UInt8]
    var index = 0

    /// One open container: an object with the keys seen so far, or an array with its index.
    struct Frame {
        var isObject: Bool
        var keys: Set<String> = []
        var key: String?
        var expectsKey = true
        var element = 0
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func firstDuplicate() -> String? {
        var stack: [Frame] = []
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append(Frame(isObject: byte == UInt8(ascii: "{")))
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
                index += 1
            case UInt8(ascii: ","):
                if let last = stack.indices.last {
                    stack[last].expectsKey = stack[last].isObject
                    stack[last].element += 1
                }
                index += 1
            case UInt8(ascii: "\""):
                guard let text = string() else { return nil }
                guard let last = stack.indices.last, stack[last].isObject, stack[last].expectsKey else { continue }
                stack[last].expectsKey = false
                stack[last].key = text
                if !stack[last].keys.insert(text).inserted { return path(stack) }
            default:
                index += 1
            }
        }
        return nil
    }

    /// Reads a string token and returns its decoded text.
    private mutating func string() -> String? {
        let start = index
        index += 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"):
                index += 2
            case UInt8(ascii: "\""):
                index += 1
                let token = Data(bytes[start..<index])
                return (try? JSONSerialization.jsonObject(with: token, options: .fragmentsAllowed)) as? String
            default:
                index += 1
            }
        }
        return nil
    }

    private func path(_ stack: [Frame]) -> String {
        var text = ""
        for frame in stack {
            if frame.isObject, let key = frame.key {
                text += text.isEmpty ? key : ".\(key)"
            } else if !frame.isObject {
                text += "[\(frame.element)]"
            }
        }
        return text
    }
}
