import Foundation

/// Prints one status line per call to standard error, prefixed with the elapsed time.
final class ProgressPrinter: @unchecked Sendable {
    let label: String
    let start = Date()

    init(label: String) {
        self.label = label
    }

    func line(_ text: String) {
        let elapsed = Date().timeIntervalSince(start)
        FileHandle.standardError.write(Data("[\(String(format: "%6.1f", elapsed))s] \(label): \(text)\n".utf8))
    }
}
