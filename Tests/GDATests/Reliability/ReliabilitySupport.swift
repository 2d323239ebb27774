import Foundation
@testable import GDA
import TestSupport
import Testing

/// The built `gda` run as a child process through Tests/Oracles/run_child.py, which reports
/// the exit status or signal, the peak resident memory and both output streams, and can cap
/// the size of files the child writes.
enum GDAChild {
    struct Outcome: Decodable {
        let status: Int32?
        let signal: Int32?
        let timedOut: Bool
        let maxrssKB: Int
        let seconds: Double
        let stdout: String
        let stderr: String

        enum CodingKeys: String, CodingKey {
            case status, signal, seconds, stdout, stderr
            case timedOut = "timed_out"
            case maxrssKB = "maxrss_kb"
        }
    }

    /// The `gda` executable built next to the test bundle.
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0])
        .deletingLastPathComponent().appendingPathComponent("gda").path

    /// Runs `gda arguments` with one libtorch thread; `fileSizeLimit` caps every file it writes,
    /// and `environment` adds to or replaces variables of the test's environment.
    static func run(_ arguments: [String], fileSizeLimit: Int? = nil, timeout: Double = 300,
                    cwd: String? = nil, environment: [String: String] = [:]) throws -> Outcome {
        try #require(FileManager.default.isExecutableFile(atPath: executable), "gda is not built at \(executable)")
        var wrapper = ["--timeout", String(timeout)]
        if let fileSizeLimit { wrapper += ["--fsize", String(fileSizeLimit)] }
        if let cwd { wrapper += ["--cwd", cwd] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Oracle.python)
        process.arguments = ["\(Oracle.repositoryRoot)/Tests/Oracles/run_child.py"] + wrapper + ["--", executable]
            + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["OMP_NUM_THREADS": "1"]) { $1 }
            .merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "run_child.py failed: \(String(decoding: errData, as: UTF8.self))")
        return try JSONDecoder().decode(Outcome.self, from: outData)
    }

    /// Checks that a failed run printed one error line naming `subject`, with no crash report
    /// or stack trace, and exited with `status`.
    static func expectCleanFailure(_ outcome: Outcome, status: Int32, naming subject: String,
                                   _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let ending = "status \(String(describing: outcome.status)), signal \(String(describing: outcome.signal))"
        #expect(outcome.status == status, "\(label): \(ending): \(outcome.stderr)", sourceLocation: sourceLocation)
        let lines = outcome.stderr.split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init).filter { !$0.isEmpty }
        let last = lines.last ?? ""
        #expect(last.hasPrefix("gda "), "\(label): the last line is not a gda error: \(outcome.stderr)",
                sourceLocation: sourceLocation)
        #expect(last.contains(subject), "\(label): the error does not name \(subject): \(last)",
                sourceLocation: sourceLocation)
        for marker in ["Fatal error", "Stack dump", "frame #", "Current stack trace", "backtrace", "0x0000"] {
            #expect(!outcome.stderr.contains(marker), "\(label): '\(marker)' in: \(outcome.stderr)",
                    sourceLocation: sourceLocation)
        }
        #expect(!outcome.stderr.contains("\n\n"), "\(label): more than one paragraph: \(outcome.stderr)",
                sourceLocation: sourceLocation)
    }

    /// Writes a small IDX dataset (train and t10k splits of 32 grey 28×28 images) to `folder`.
    static func writeDataset(_ folder: String) throws {
        let dataset = GANFixtures.dataset(count: 32)
        try IDX.write(dataset, folder: folder, prefix: "train")
        try IDX.write(dataset, folder: folder, prefix: "t10k")
    }
}
