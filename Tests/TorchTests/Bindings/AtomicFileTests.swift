import Foundation
import Testing
import TestSupport
import Torch

/// Atomic replacement: a reader sees one complete version, even with several writers.
@Suite struct AtomicFileTests {
    @Test func concurrentWritersLeaveOneCompleteFile() throws {
        let folder = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/state.json"
        let writers = 4
        // Each writer's content is one repeated byte, so a mixed file is easy to spot.
        let payloads = (0..<writers).map { Data(repeating: UInt8(65 + $0), count: 16 * 1024) }
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: writers) { writer in
            for _ in 0..<10 {
                do {
                    try AtomicFile.write(payloads[writer], to: path)
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
                let content = FileManager.default.contents(atPath: path) ?? Data()
                if !payloads.contains(content) {
                    failures.withLock { $0.append("mixed or partial content of \(content.count) bytes") }
                }
            }
        }
        let found = failures.withLock { $0 }
        #expect(found.count == 0, "\(found.count) failures, the first: \(found.prefix(2))")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(leftovers == ["state.json"])
    }

    @Test func writeIntoMissingFolderThrows() throws {
        let error = try #require(throws: TorchError.self) {
            try AtomicFile.write("x", to: "/nonexistent/gda/file.txt")
        }
        #expect(error.message.contains("/nonexistent/gda"))
    }
}
