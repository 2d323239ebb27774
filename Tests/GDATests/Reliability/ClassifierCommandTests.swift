import Foundation
@testable import GDA
import TestSupport
import Testing

/// `gda train classifier` and `gda train --resume` on classifier runs, as a user runs them:
/// the built executable on a small IDX dataset.
@Suite("gda train classifier command", .serialized)
struct ClassifierCommandTests {
    static func train(_ root: String, _ run: String, _ extra: [String] = []) throws -> GDAChild.Outcome {
        try GDAChild.run(["train", "classifier", "--dataset", "idx:\(root)/data", "--epochs", "2", "--batch-size", "8",
                          "--checkpoint-every", "3", "--out", run] + extra)
    }

    @Test("resume after losing the final file")
    func finishedNeedsBothFiles() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try GDAChild.writeDataset("\(root)/data")
        let first = try Self.train(root, "\(root)/run")
        #expect(first.status == 0, "\(first.stderr)")
        let final = "\(root)/run/checkpoints/classifier.safetensors"
        let expected = try Data(contentsOf: URL(fileURLWithPath: final))

        let finished = try GDAChild.run(["train", "--resume", "\(root)/run"])
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(finished.stdout.contains("finished already"), "\(finished.stdout)")
        #expect(finished.stdout.contains("params-digest="), "\(finished.stdout)")

        // Without the final classifier, the run is not finished: the resume writes it again.
        try FileManager.default.removeItem(atPath: final)
        let resumed = try GDAChild.run(["train", "--resume", "\(root)/run"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(!resumed.stdout.contains("finished already"), "\(resumed.stdout)")
        let rewritten = try Data(contentsOf: URL(fileURLWithPath: final))
        #expect(SameBytes.difference(rewritten, expected) == nil)
    }

    @Test("bad dataset leaves no run folder")
    func badDatasetLeavesNothing() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let outcome = try GDAChild.run(["train", "classifier", "--dataset", "idx:\(root)/missing", "--out", "\(root)/run"])
        GDAChild.expectCleanFailure(outcome, status: 2, naming: "\(root)/missing", "missing dataset")
        #expect(!FileManager.default.fileExists(atPath: "\(root)/run"))
    }

    @Test("classifier resume of a GAN run")
    func ganRunNamed() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try GDAChild.writeDataset("\(root)/data")
        let gan = try GDAChild.run(["train", "dcgan", "--dataset", "idx:\(root)/data", "--steps", "2", "--batch-size",
                                    "8", "--out", "\(root)/gan"])
        #expect(gan.status == 0, "\(gan.stderr)")
        let outcome = try GDAChild.run(["train", "classifier", "--resume", "\(root)/gan"])
        GDAChild.expectCleanFailure(outcome, status: 2, naming: "is a dcgan run", "GAN run")
    }

    @Test("config.json errors name the file", arguments: [
        ("\"seed\": 1", "\"seed\": 1, \"colour\": 2", "unknown config key 'colour'"),
        ("\"seed\": 1", "\"seed\": 1, \"augment\": \"bogus\"", "augment must be default or one of"),
        ("\"epochs\": 2", "\"epochs\": 0", "epochs must be in"),
        ("\"epochs\": 2", "\"epochs\": 2,,", "invalid classifier run config"),
    ])
    func configErrors(original: String, replacement: String, message: String) throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try GDAChild.writeDataset("\(root)/data")
        let first = try GDAChild.run(["train", "classifier", "--dataset", "idx:\(root)/data", "--epochs", "2",
                                      "--seed", "1", "--out", "\(root)/run"])
        #expect(first.status == 0, "\(first.stderr)")
        try FileManager.default.removeItem(atPath: "\(root)/run/results")
        let path = "\(root)/run/config.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let compact = text.replacingOccurrences(of: "\" : ", with: "\": ")
        try #require(compact.contains(original), "\(compact)")
        try compact.replacingOccurrences(of: original, with: replacement).write(toFile: path, atomically: true,
                                                                                 encoding: .utf8)
        let outcome = try GDAChild.run(["train", "--resume", "\(root)/run"])
        GDAChild.expectCleanFailure(outcome, status: 2, naming: path, "config \(replacement)")
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
    }
}
