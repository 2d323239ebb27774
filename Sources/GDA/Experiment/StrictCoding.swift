import Foundation

/// A coding key that accepts any name, used to list every key present in a JSON object.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Throws a configuration error naming the first key of the object being decoded that is
/// not among `known`, with the valid keys.
func rejectUnknownKeys<Key: CodingKey & CaseIterable>(_ decoder: Decoder, _ known: Key.Type) throws {
    let present = try decoder.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
    let valid = Set(Key.allCases.map(\.stringValue))
    if let unknown = present.sorted().first(where: { !valid.contains($0) }) {
        let path = (decoder.codingPath.map(\.stringValue) + [unknown]).joined(separator: ".")
        throw GDAError.config("unknown config key '\(path)'; valid keys here: \(valid.sorted().joined(separator: ", "))")
    }
}

/// Turns a decoding failure into a message that names the key, what was expected and what
/// was found.
func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return names.isEmpty ? "top level" : names.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }
    switch error {
    case .typeMismatch(let type, let context):
        return "config key '\(path(context))': expected \(typeName(type)), found something else (\(context.debugDescription))"
    case .valueNotFound(let type, let context):
        return "config key '\(path(context))': expected \(typeName(type)), found null"
    case .keyNotFound(let key, let context):
        return "config key '\(path(context)).\(key.stringValue)' is required"
    case .dataCorrupted(let context):
        let underlying = (context.underlyingError as NSError?)?.userInfo["NSDebugDescription"] as? String
        return "config is not valid JSON at \(path(context)): \(underlying ?? context.debugDescription)"
    @unknown default:
        return "config cannot be read: \(error)"
    }
}

private func typeName(_ type: Any.Type) -> String {
    switch type {
    case is Int.Type, is UInt64.Type: "an integer"
    case is Double.Type: "a number"
    case is String.Type: "a string"
    case is Bool.Type: "true or false"
    case is [Any].Type: "a list"
    default: "\(type)"
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when the key is absent. An explicit null is an error
    /// rather than a request for the default, as no config key takes null.
    func value<T: Decodable>(_ key: Key, or fallback: T) throws -> T {
        guard contains(key) else { return fallback }
        if try decodeNil(forKey: key) {
            throw DecodingError.valueNotFound(T.self, DecodingError.Context(
                codingPath: codingPath + [key], debugDescription: "found null"))
        }
        return try decode(T.self, forKey: key)
    }
}
