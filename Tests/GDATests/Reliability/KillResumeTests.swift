import Foundation
import TestSupport
import Testing

/// A few trials of scripts/kill_resume.py. A GAN run and a classifier run are killed with
/// SIGKILL at random moments, some inside checkpoint writes, and resumed with
/// `gda train --resume`. They must end with the weights of an uninterrupted run, bit for bit
/// (the classifier's final files byte for byte), and every file they leave must parse. The
/// script runs more trials.
@Suite("kill and resume")
struct KillResumeTests {
    @Test("killed run matches an uninterrupted one", arguments: ["dcgan", "classifier"])
    func killAndResume(model: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Oracle.python)
        process.arguments = ["\(Oracle.repositoryRoot)/scripts/kill_resume.py", "--gda", GDAChild.executable,
                             "--model", model, "--trials", model == "classifier" ? "3" : "1", "--seed", "3"]
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
        #expect(summary["trials"] as? Int == (model == "classifier" ? 3 : 1))
        #expect((summary["problems"] as? [String])?.isEmpty == true, "\(report)")
        #expect((summary["kills"] as? Int ?? 0) + (summary["finished_before_kill"] as? Int ?? 0) >= 1, "\(report)")
    }
}
