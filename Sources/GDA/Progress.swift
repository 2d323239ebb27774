import Foundation

/// Reports the progress of a long loop on standard error: a redrawn bar with the rate, the
/// ETA and live values on a terminal, one plain line per interval when standard error is a
/// file or a pipe.
public final class ProgressReporter {
    public let label: String
    public let total: Int
    /// Whether the output is a terminal (bar) or not (plain lines).
    public let interactive: Bool
    /// Seconds between plain lines.
    public let interval: TimeInterval
    private let output: FileHandle
    private let startCompleted: Int
    private let startTime = Date()
    private var lastDraw = Date.distantPast
    private var lastCompleted: Int
    private var barVisible = false

    /// - Parameters:
    ///   - total: units of work in the whole loop.
    ///   - completed: units already done (a resumed run); the rate counts only new ones.
    ///   - interactive: nil to detect a terminal on standard error with `isatty`.
    ///   - interval: seconds between plain lines; the bar redraws at most 10 times a second.
    public init(label: String, total: Int, completed: Int = 0, interactive: Bool? = nil,
                interval: TimeInterval = 10, output: FileHandle = .standardError)
    {
        self.label = label
        self.total = max(total, 1)
        self.interactive = interactive ?? (isatty(STDERR_FILENO) == 1)
        self.interval = interval
        self.output = output
        startCompleted = completed
        lastCompleted = completed
    }

    /// Records that `completed` units are done; `values` (such as losses) show beside it.
    public func update(completed: Int, values: KeyValuePairs<String, Double> = [:], note: String = "") {
        lastCompleted = completed
        let now = Date()
        let due = interactive ? now.timeIntervalSince(lastDraw) >= 0.1 : now.timeIntervalSince(lastDraw) >= interval
        guard due || completed >= total else { return }
        lastDraw = now
        let text = status(completed: completed, values: Array(values), note: note, now: now)
        if interactive {
            write("\r\u{1B}[K" + text)
            barVisible = true
        } else {
            write(text + "\n")
        }
    }

    /// Prints a line of its own, above the bar on a terminal.
    public func log(_ line: String) {
        if interactive && barVisible {
            write("\r\u{1B}[K" + line + "\n")
            barVisible = false
            lastDraw = .distantPast
        } else {
            write(line + "\n")
        }
    }

    /// Ends the bar's line and prints the total time.
    public func finish(_ message: String? = nil) {
        if interactive && barVisible { write("\n") }
        barVisible = false
        let elapsed = Date().timeIntervalSince(startTime)
        write("\(label): \(message ?? "done") in \(Self.duration(elapsed))\n")
    }

    // MARK: - Formatting

    private func status(completed: Int, values: [(String, Double)], note: String, now: Date) -> String {
        let elapsed = now.timeIntervalSince(startTime)
        let done = completed - startCompleted
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - completed) / rate : .nan
        let fraction = Double(completed) / Double(total)
        let percent = String(format: "%3.0f%%", 100 * fraction)
        var parts = [label]
        if interactive {
            let width = 24
            let filled = min(width, Int(fraction * Double(width)))
            parts.append("[" + String(repeating: "#", count: filled)
                + String(repeating: ".", count: width - filled) + "]")
        }
        parts.append("\(percent) \(completed)/\(total)")
        if !note.isEmpty { parts.append(note) }
        parts += values.map { "\($0.0) \(String(format: "%.4g", $0.1))" }
        parts.append(String(format: "%.2f/s", rate))
        parts.append("ETA \(eta.isFinite ? Self.duration(eta) : "?")")
        return parts.joined(separator: "  ")
    }

    /// "42s", "3m05s" or "2h03m".
    static func duration(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, whole % 3600 / 60)
    }

    private func write(_ text: String) {
        output.write(Data(text.utf8))
    }
}
