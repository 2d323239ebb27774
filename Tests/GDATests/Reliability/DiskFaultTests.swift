import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

/// Writes that fail as on a full disk: the child `gda` runs with RLIMIT_FSIZE set and SIGXFSZ
/// ignored, so a write past the limit fails with EFBIG. The error must name the file and
/// everything written before must stay intact.
@Suite("disk faults", .serialized)
struct DiskFaultTests {
    func digest(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    func temporaries(_ folder: String) -> [String] {
        (FileManager.default.subpaths(atPath: folder) ?? []).filter { $0.contains(".tmp-") }
    }

    @Test("failed checkpoint keeps the last one")
    func checkpointWrite() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try GDAChild.writeDataset("\(root)/data")
        let run = "\(root)/run"
        let first = try GDAChild.run(["train", "dcgan", "--dataset", "idx:\(root)/data", "--out", run, "--steps", "2",
                                      "--batch-size", "8", "--checkpoint-every", "2", "--seed", "4"])
        try #require(first.status == 0, "\(first.stderr)")
        let configPath = "\(run)/config.json"
        var config = try GANConfig.read(configPath)
        config.steps = 4
        try config.json().write(to: URL(fileURLWithPath: configPath))
        let previous = "\(run)/checkpoints/step-000002.safetensors"
        let before = try digest(previous)
        let generatorBefore = try digest("\(run)/checkpoints/generator.safetensors")

        // A step checkpoint is about 11 MB; 1 MB lets every other file of the run through.
        let full = try GDAChild.run(["train", "--resume", run], fileSizeLimit: 1 << 20)
        let failed = "\(run)/checkpoints/step-000004.safetensors"
        GDAChild.expectCleanFailure(full, status: 1, naming: failed, "resume on a full disk")
        #expect(full.stderr.contains("File too large"), "\(full.stderr)")
        #expect(try digest(previous) == before, "the previous checkpoint changed")
        #expect(try digest("\(run)/checkpoints/generator.safetensors") == generatorBefore)
        #expect(try String(contentsOfFile: "\(run)/checkpoints/latest", encoding: .utf8) == "step-000002.safetensors\n")
        #expect(!FileManager.default.fileExists(atPath: failed))
        #expect(temporaries(run).isEmpty, "temporary files left: \(temporaries(run))")
        _ = try SafeTensors.load(previous)

        // With room again the run resumes from the kept checkpoint and finishes.
        let resumed = try GDAChild.run(["train", "--resume", run])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try String(contentsOfFile: "\(run)/checkpoints/latest", encoding: .utf8) == "step-000004.safetensors\n")
    }

    @Test("failed run-file write keeps the old file")
    func runFolderWrite() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let run = "\(root)/run"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        var config = try ExperimentConfig.profile("tiny")
        config.dataset = "idx:\(root)/data"
        // The same config written compactly, so that a rewrite (the resume's first write)
        // would change its bytes.
        let compact = try JSONSerialization.jsonObject(with: try config.encoded())
        let old = try JSONSerialization.data(withJSONObject: compact, options: [.sortedKeys])
        try old.write(to: URL(fileURLWithPath: "\(run)/config.json"))
        try Data("{\"version\": 1, \"stages\": {}, \"order\": [], \"finished\": false}".utf8)
            .write(to: URL(fileURLWithPath: "\(run)/state.json"))
        let state = try digest("\(run)/state.json")

        // 200 bytes: the lock file fits, the 1.5 KB config does not.
        let outcome = try GDAChild.run(["experiment", "resume", run], fileSizeLimit: 200)
        GDAChild.expectCleanFailure(outcome, status: 1, naming: "\(run)/config.json", "experiment resume on a full disk")
        #expect(try digest("\(run)/config.json") == old)
        #expect(try digest("\(run)/state.json") == state)
        #expect(temporaries(run).isEmpty, "temporary files left: \(temporaries(run))")
    }

    @Test("missing output folder is named")
    func missingFolder() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A file where a folder is expected: creation fails and the error names the path.
        try Data("x".utf8).write(to: URL(fileURLWithPath: "\(root)/blocker"))
        let target = "\(root)/blocker/sub/grid.png"
        let message = HostileCorpus.failureMessage { try PNG.write(Image(channels: 1, height: 1, width: 1, pixels: [0]), to: target) }
        #expect(message?.contains(target) == true, "\(message ?? "no error")")
    }
}
