import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

/// Bad input given to the built `gda` as a user gives it. Each run must exit with status 2
/// (usage or config) or 1 (a failed run) after one error line that names the file. A bad
/// header must not make the process allocate what it claims.
@Suite("gda on bad input", .serialized)
struct CommandFailureTests {
    func hostile(_ parser: String, _ relative: String) throws -> String {
        "\(try HostileCorpus.folder(parser))/\(relative)"
    }

    @Test("bad files and configs exit cleanly")
    func badInputs() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folderJSON = "\(root)/folder.json"
        try FileManager.default.createDirectory(atPath: folderJSON, withIntermediateDirectories: true)
        let badHeader = "\(root)/bad-header"
        try FileManager.default.createDirectory(atPath: badHeader, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try hostile("idx", "dims_overflow"),
                                         toPath: "\(badHeader)/train-images-idx3-ubyte")
        try FileManager.default.copyItem(atPath: try hostile("idx", "valid_labels"),
                                         toPath: "\(badHeader)/train-labels-idx1-ubyte")
        let cases: [(arguments: [String], status: Int32, subject: String)] = [
            (["data", "info", "idx:\(badHeader)"], 1, "\(badHeader)/train-images-idx3-ubyte"),
            (["data", "info", "idx:\(try hostile("idx", "mismatch"))"], 1, try hostile("idx", "mismatch")),
            (["data", "info", "idx:\(root)/missing"], 2, "\(root)/missing"),
            (["data", "info", "folder:\(try hostile("folder", "sizes"))"], 1, try hostile("folder", "sizes")),
            (["data", "info", "folder:\(try hostile("folder", "corrupt"))"], 1, "corrupt/a/1.png"),
            (["experiment", "run", try hostile("experiment_config", "truncated.json"), "--out", "\(root)/e1"], 2,
             "truncated.json"),
            (["experiment", "run", try hostile("experiment_config", "unknown_nested_key.json"), "--out",
              "\(root)/e2"], 2, "gan.epochz"),
            (["experiment", "run", try hostile("experiment_config", "huge_integer.json"), "--out", "\(root)/e3"], 2,
             "classifiers.seeds"),
            (["experiment", "run", folderJSON, "--out", "\(root)/e4"], 2, folderJSON),
            (["experiment", "run", "\(root)/absent.json", "--out", "\(root)/e5"], 2, "\(root)/absent.json"),
            (["train", "--resume", try hostile("checkpoint", "latest_traversal")], 1, "latest"),
        ]
        for (arguments, status, subject) in cases {
            let outcome = try GDAChild.run(arguments)
            GDAChild.expectCleanFailure(outcome, status: status, naming: subject, arguments.joined(separator: " "))
        }
        // A config error stops the run before its folder is made.
        for name in ["e1", "e2", "e3", "e4", "e5"] {
            #expect(!FileManager.default.fileExists(atPath: "\(root)/\(name)"), "\(name) was created")
        }
    }

    @Test("resume with a damaged checkpoint fails")
    func damagedCheckpoint() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try GDAChild.writeDataset("\(root)/data")
        let run = "\(root)/run"
        let first = try GDAChild.run(["train", "dcgan", "--dataset", "idx:\(root)/data", "--out", run, "--steps", "2",
                                      "--batch-size", "8", "--checkpoint-every", "1", "--seed", "3"])
        try #require(first.status == 0, "\(first.stderr)")
        // Make the run longer, then damage the newest checkpoint three ways.
        let configPath = "\(run)/config.json"
        var config = try GANConfig.read(configPath)
        config.steps = 4
        try config.json().write(to: URL(fileURLWithPath: configPath))
        let checkpoint = "\(run)/checkpoints/step-000002.safetensors"
        let original = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        let damaged: [(String, Data)] = [
            ("truncated", original.prefix(original.count / 2)),
            ("header length", Data(repeating: 0xFF, count: 8) + original.dropFirst(8)),
            ("empty", Data()),
        ]
        for (label, bytes) in damaged {
            try bytes.write(to: URL(fileURLWithPath: checkpoint))
            let outcome = try GDAChild.run(["train", "--resume", run])
            GDAChild.expectCleanFailure(outcome, status: 1, naming: checkpoint, "resume with a \(label) checkpoint")
        }
        try original.write(to: URL(fileURLWithPath: checkpoint))
        let resumed = try GDAChild.run(["train", "--resume", run])
        #expect(resumed.status == 0, "\(resumed.stderr)")

        // A config key the run does not know: a configuration error naming config.json.
        let text = try String(contentsOfFile: configPath, encoding: .utf8)
        try text.replacingOccurrences(of: "\"batchSize\" : 8", with: "\"batchSize\" : 8.5")
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let badConfig = try GDAChild.run(["train", "--resume", run])
        GDAChild.expectCleanFailure(badConfig, status: 2, naming: configPath, "resume with batchSize 8.5")
        #expect(badConfig.stderr.contains("batchSize"), "\(badConfig.stderr)")
    }

    @Test("bad headers keep memory bounded")
    func boundedMemory() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try GDAChild.writeDataset("\(root)/valid")
        let baseline = try GDAChild.run(["data", "info", "idx:\(root)/valid"])
        try #require(baseline.status == 0, "\(baseline.stderr)")

        // Headers that claim 2 GB of images (gzipped), 16 GiB and more (overflowing), and a PNG
        // that claims 8192×8192 RGB pixels (192 MiB) in 200 bytes.
        var cases: [(String, String)] = []
        for (name, file) in [("gz-claims", "gz_claims_2gib.gz"), ("overflow", "dims_overflow")] {
            let folder = "\(root)/\(name)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let suffix = file.hasSuffix(".gz") ? ".gz" : ""
            try FileManager.default.copyItem(atPath: try hostile("idx", file),
                                             toPath: "\(folder)/train-images-idx3-ubyte\(suffix)")
            try FileManager.default.copyItem(atPath: try hostile("idx", "valid_labels"),
                                             toPath: "\(folder)/train-labels-idx1-ubyte")
            cases.append((name, "idx:\(folder)"))
        }
        let pngFolder = "\(root)/png/a"
        try FileManager.default.createDirectory(atPath: pngFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try hostile("png", "claims_8192x8192.png"), toPath: "\(pngFolder)/0.png")
        cases.append(("png", "folder:\(root)/png"))

        for (label, spec) in cases {
            let outcome = try GDAChild.run(["data", "info", spec])
            #expect(outcome.status == 1, "\(label): \(outcome.stderr)")
            let extraMB = Double(outcome.maxrssKB - baseline.maxrssKB) / 1024
            let note = "\(outcome.maxrssKB) KB, \(extraMB) MB over the \(baseline.maxrssKB) KB of a valid dataset"
            #expect(extraMB < 32, "\(label): peak memory \(note)")
        }
    }
}
