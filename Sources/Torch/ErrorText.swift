import Foundation

extension TorchError {
    /// Returns this error with its message on one line. libtorch's TorchScript errors span
    /// lines: a message, the source line, a `~~~~ <--- HERE` marker and call stacks. The one
    /// line keeps the message and the first source location (`File "...", line N`), so that
    /// `gda` prints its usual one-paragraph error. Other control characters, such as a raw
    /// byte libtorch quotes from a damaged file, are escaped.
    func singleLine() -> TorchError {
        let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard lines.count > 1 else { return TorchError(Self.escaped(lines.first ?? "")) }
        var text = lines[0]
        var rest = lines.dropFirst()
        // A message that ends with a colon continues on the next line, as in
        // "cannot load ...: \nUnknown type name 'X':".
        if text.hasSuffix(":"), let next = rest.first {
            text += " " + next
            rest = rest.dropFirst()
        }
        if let location = rest.first(where: { $0.hasPrefix("File \"") || $0.hasPrefix("Serialized   File") }) {
            let trimmed = location.replacingOccurrences(of: "Serialized   ", with: "")
            text = (text.hasSuffix(":") ? String(text.dropLast()) : text) + " (at \(trimmed))"
        }
        return TorchError(Self.escaped(text))
    }

    private static func escaped(_ text: String) -> String {
        text.unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }
            .joined()
    }
}
