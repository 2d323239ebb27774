import Foundation
import TestSupport
import Testing

/// One trial of scripts/kill_resume.py: a GAN run killed with SIGKILL at random moments
/// (inside checkpoint writes among them) and resumed ends with the same weights, bit for bit,
/// as an uninterrupted run, and every file it leaves parses. The script runs more trials.
@Suite("kill and resume")
struct KillResumeTests {
    @Test("killed run matches an uninterrupted one")
    func killAndResume() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Oracle.python)
        process.arguments = ["\(Oracle.repositoryRoot)/scripts/kill_resume.py", "--gda", GDAChild.executable,
                             "--trials", "1", "--seed", "3"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let report = String(decoding: outData, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(report)\(String(decoding: errData, as: UTF8.self))")
        let summary = try #require(try JSONSerialization.jsonObject(with: outData) as? [String: Any], "\(report)")
        #expect(summary["trials"] as? Int == 1)
        #expect((summary["problems"] as? [String])?.isEmpty == true, "\(report)")
        #expect((summary["kills"] as? Int ?? 0) + (summary["finished_before_kill"] as? Int ?? 0) >= 1, "\(report)")
    }
}
