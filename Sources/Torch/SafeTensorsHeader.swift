import Foundation

// MARK: - Header validation

extension SafeTensors {
    /// One tensor's header entry: element type, shape and byte range within the data section.
    struct Entry {
        let name: String
        let dtype: DType
        let shape: [Int]
        let start: Int
        let end: Int
    }

    /// Parses and checks the header of a safetensors file held in `data` (indexed from 0).
    /// The checks follow the reference implementation (safetensors 0.8): a JSON object of
    /// entries whose byte ranges, sorted, tile the data section with no gap, overlap or
    /// trailing byte. Duplicate keys, which JSON parsers resolve silently, are rejected too,
    /// and only the element types of `DType` are supported.
    static func parseHeader(_ data: Data) throws
        -> (entries: [Entry], metadata: [String: String], dataStart: Int)
    {
        guard data.count >= 8 else {
            throw TorchError(
                "file of \(data.count) bytes is too short for the 8-byte header length")
        }
        let length = data.prefix(8).enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        }
        guard length <= UInt64(maximumHeaderBytes) else {
            throw TorchError(
                "header length \(length) exceeds the maximum of \(maximumHeaderBytes) bytes")
        }
        guard length <= UInt64(data.count - 8) else {
            throw TorchError("header length \(length) exceeds the \(data.count - 8) bytes after it")
        }
        let dataStart = 8 + Int(length)
        let headerBytes = data.subdata(in: 8..<dataStart)
        guard String(data: headerBytes, encoding: .utf8) != nil else {
            throw TorchError("header is not valid UTF-8")
        }
        let header: Any
        do {
            header = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw TorchError("header is not valid JSON")
        }
        guard let object = header as? [String: Any] else {
            throw TorchError("header is not a JSON object")
        }
        guard let keys = topLevelKeys(Array(headerBytes)) else {
            throw TorchError("header is not valid JSON")
        }
        var seen = Set<String>()
        for key in keys where !seen.insert(key).inserted {
            throw TorchError("header has the key '\(key)' more than once")
        }

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard let values = value as? [String: String] else {
                    throw TorchError("__metadata__ must map strings to strings")
                }
                metadata = values
            } else {
                entries.append(try parseEntry(name, value))
            }
        }
        try checkLayout(entries, dataBytes: data.count - dataStart)
        return (entries, metadata, dataStart)
    }

    static func parseEntry(_ name: String, _ value: Any) throws -> Entry {
        guard let fields = value as? [String: Any] else {
            throw TorchError("entry '\(name)' is not a JSON object")
        }
        guard let dtypeName = fields["dtype"] as? String else {
            throw TorchError("entry '\(name)' has no dtype string")
        }
        guard let dtype = dtypeNames.first(where: { $0.value == dtypeName })?.key else {
            let known = dtypeNames.values.sorted().joined(separator: ", ")
            throw TorchError("entry '\(name)' has dtype \"\(dtypeName)\", expected one of \(known)")
        }
        guard let shapeValues = fields["shape"] as? [Any] else {
            throw TorchError("entry '\(name)' has no shape list")
        }
        let shape = try shapeValues.map { item in
            guard let size = integer(item) else {
                throw TorchError("entry '\(name)' has the dimension \(item) in its shape, "
                                 + "expected a non-negative integer")
            }
            return size
        }
        guard let offsetValues = fields["data_offsets"] as? [Any], offsetValues.count == 2,
              let start = integer(offsetValues[0]), let end = integer(offsetValues[1])
        else {
            throw TorchError("entry '\(name)' needs data_offsets [start, end] of two "
                             + "non-negative integers")
        }
        guard start <= end else {
            throw TorchError(
                "entry '\(name)' has data_offsets [\(start), \(end)] that end before they start")
        }
        // The strides libtorch computes multiply every dimension but a zero one, so they must
        // fit as well as the byte count: [0, 2^62, 2^62] holds no bytes but overflows a stride.
        var bytes = dtype.byteSize
        var strideSpan = dtype.byteSize
        for size in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: size)
            let (span, spanOverflow) = strideSpan.multipliedReportingOverflow(by: max(size, 1))
            guard !overflow, !spanOverflow else {
                throw TorchError("entry '\(name)' has shape \(shape), whose size overflows")
            }
            bytes = product
            strideSpan = span
        }
        guard end - start == bytes else {
            throw TorchError("entry '\(name)' covers \(end - start) bytes, but shape \(shape) of "
                             + "\(dtypeName) needs \(bytes)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, start: start, end: end)
    }

    /// Checks that the byte ranges, sorted by offset, cover `0..<dataBytes` exactly once.
    static func checkLayout(_ entries: [Entry], dataBytes: Int) throws {
        var position = 0
        var previous: String?
        for entry in entries.sorted(by: { ($0.start, $0.end) < ($1.start, $1.end) }) {
            guard entry.end <= dataBytes else {
                throw TorchError("entry '\(entry.name)' has data_offsets [\(entry.start), "
                                 + "\(entry.end)] beyond the \(dataBytes) data bytes")
            }
            if entry.start < position, let previous {
                throw TorchError(
                    "entries '\(previous)' and '\(entry.name)' overlap at byte \(entry.start)")
            }
            guard entry.start == position else {
                throw TorchError("entry '\(entry.name)' starts at byte \(entry.start), leaving "
                                 + "data bytes \(position)..<\(entry.start) unused")
            }
            position = entry.end
            previous = entry.name
        }
        guard position == dataBytes else {
            throw TorchError("tensor data ends at byte \(position), but the file has \(dataBytes) "
                             + "data bytes")
        }
    }

    /// A JSON integer that fits in `Int` and is not negative. JSON booleans and numbers written
    /// with a fraction or exponent are not integers here, as in the reference implementation.
    static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        // Foundation bridges JSON booleans to NSNumber too; only its integer encodings count.
        guard ["i", "l", "q", "s"].contains(String(cString: number.objCType)) else { return nil }
        let integer = number.int64Value
        guard integer >= 0, let result = Int(exactly: integer) else { return nil }
        return result
    }
}

// MARK: - Duplicate keys

extension SafeTensors {
    /// The keys of the top-level object of `json`, in order and with repeats, or nil when the
    /// text is not a JSON object. JSONSerialization keeps only the last of repeated keys, so
    /// this scan over the raw text finds them.
    static func topLevelKeys(_ json: [UInt8]) -> [String]? {
        var scanner = JSONScanner(bytes: json)
        scanner.skipWhitespace()
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        var keys: [String] = []
        scanner.skipWhitespace()
        if scanner.take(UInt8(ascii: "}")) { return keys }
        while true {
            scanner.skipWhitespace()
            guard let token = scanner.stringToken(),
                  let key = try? JSONSerialization.jsonObject(
                      with: Data(token), options: .fragmentsAllowed) as? String
            else { return nil }
            keys.append(key)
            scanner.skipWhitespace()
            guard scanner.take(UInt8(ascii: ":")), scanner.skipValue() else { return nil }
            scanner.skipWhitespace()
            if scanner.take(UInt8(ascii: "}")) { return keys }
            guard scanner.take(UInt8(ascii: ",")) else { return nil }
        }
    }
}

/// A cursor over JSON text that JSONSerialization has already accepted: it steps over tokens
/// without building values.
private struct JSONScanner {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// The bytes of a string token, quotes included.
    mutating func stringToken() -> ArraySlice<UInt8>? {
        let start = index
        guard take(UInt8(ascii: "\"")) else { return nil }
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"):
                index += 2
            case UInt8(ascii: "\""):
                index += 1
                return bytes[start..<index]
            default:
                index += 1
            }
        }
        return nil
    }

    /// Steps over one value of any kind, nested objects and arrays included.
    mutating func skipValue() -> Bool {
        skipWhitespace()
        guard index < bytes.count else { return false }
        var depth = 0
        repeat {
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                guard stringToken() != nil else { return false }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return true }
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 0 { return true }
            default:
                break
            }
            index += 1
        } while depth > 0 || (index < bytes.count && !isDelimiter(bytes[index]))
        return true
    }

    private func isDelimiter(_ byte: UInt8) -> Bool {
        [UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D]
            .contains(byte)
    }
}
