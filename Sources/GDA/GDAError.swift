/// A failure with a message for the user and the exit status it maps to: 2 for bad
/// configuration or input the user can fix in the command, 1 for a run that failed.
public struct GDAError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let exitCode: Int32

    /// Makes an error; control characters in `message` (such as a newline inside a file or
    /// key name taken from the input) are escaped, so that the message stays on one line.
    public init(_ message: String, exitCode: Int32 = 1) {
        self.message = Self.printable(message)
        self.exitCode = exitCode
    }

    /// Returns `text` with each control character written as a Swift escape (`\n`, `\u{1B}`).
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return text.unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }.joined()
    }

    /// A configuration or usage error (exit status 2).
    public static func config(_ message: String) -> GDAError {
        GDAError(message, exitCode: 2)
    }

    public var description: String { message }
}
