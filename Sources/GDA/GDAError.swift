/// A failure with a message for the user and the exit status it maps to: 2 for bad
/// configuration or input the user can fix in the command, 1 for a run that failed.
public struct GDAError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    /// A configuration or usage error (exit status 2).
    public static func config(_ message: String) -> GDAError {
        GDAError(message, exitCode: 2)
    }

    public var description: String { message }
}
