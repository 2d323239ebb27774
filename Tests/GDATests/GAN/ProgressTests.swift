import Foundation
@testable import GDA
import Testing

@Suite("Progress reporter")
struct ProgressTests {
    /// Runs `body` against a reporter writing to a pipe; returns the lines it wrote.
    func lines(interactive: Bool, _ body: (ProgressReporter) -> Void) throws -> [String] {
        let pipe = Pipe()
        let reporter = ProgressReporter(label: "train", total: 4, interactive: interactive, interval: 3600,
                                        output: pipe.fileHandleForWriting)
        body(reporter)
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test("plain lines per interval")
    func plainLines() throws {
        let output = try lines(interactive: false) { reporter in
            reporter.update(completed: 1, values: ["loss/d": 1.5])
            reporter.update(completed: 2, values: ["loss/d": 1.25])
            reporter.update(completed: 4, values: ["loss/d": 1.0])
            reporter.finish()
        }
        // The first update and the last print; the second falls inside the interval.
        #expect(output.count == 4)
        #expect(output[0].hasPrefix("train   25% 1/4  loss/d 1.5"))
        #expect(output[1].hasPrefix("train  100% 4/4  loss/d 1"))
        #expect(output[1].contains("ETA 0s"))
        #expect(output[2].hasPrefix("train: done in"))
        #expect(!output.joined().contains("\u{1B}"))
    }

    @Test("bar redraws in place on a terminal")
    func terminalBar() throws {
        let output = try lines(interactive: true) { reporter in
            reporter.update(completed: 2, values: ["loss/g": 0.5], note: "epoch 1")
            reporter.log("epoch 1 done")
            reporter.update(completed: 4)
            reporter.finish()
        }
        let text = output.joined(separator: "\n")
        #expect(text.contains("\r\u{1B}[Ktrain  [############............]   50% 2/4  epoch 1  loss/g 0.5"))
        #expect(text.contains("\r\u{1B}[Kepoch 1 done\n"))
        #expect(text.contains("[########################]  100% 4/4"))
        #expect(output.last == "")
    }

    @Test("durations read as seconds, minutes or hours")
    func durations() {
        #expect(ProgressReporter.duration(42) == "42s")
        #expect(ProgressReporter.duration(185) == "3m05s")
        #expect(ProgressReporter.duration(7380) == "2h03m")
    }
}
