/// One `gda` command: its name path (such as ["data", "info"]), a one-line summary, its
/// help text and its body. The body returns the process exit status.
struct Command: Sendable {
    let path: [String]
    let summary: String
    let usage: String
    let flags: Set<String>
    /// Left out of `gda --help`, for development commands such as `gda fuzz`.
    let hidden: Bool
    let run: @Sendable (inout Arguments) async throws -> Int32

    init(_ path: [String], summary: String, usage: String, flags: Set<String> = [], hidden: Bool = false,
         run: @escaping @Sendable (inout Arguments) async throws -> Int32) {
        self.path = path
        self.summary = summary
        self.usage = usage
        self.flags = flags
        self.hidden = hidden
        self.run = run
    }
}
