import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

/// Every parser against the committed corpus of bad inputs that
/// scripts/fixtures/make_hostile.py writes: each case must end in a thrown `GDAError` or
/// `TorchError` (never a crash) whose message names the file or folder and the problem. The
/// valid controls of each corpus must load.
@Suite("hostile inputs")
struct HostileInputTests {
    @Test("idx files and folders") func idx() throws { try HostileCorpus.run("idx") }
    @Test("cifar-10 batches") func cifar() throws { try HostileCorpus.run("cifar10") }
    @Test("png files") func png() throws { try HostileCorpus.run("png") }
    @Test("image folders") func folder() throws { try HostileCorpus.run("folder") }
    @Test("tar archives") func tar() throws { try HostileCorpus.run("tar") }
    @Test("safetensors files") func safetensors() throws { try HostileCorpus.run("safetensors") }
    @Test("experiment configs") func experimentConfig() throws { try HostileCorpus.run("experiment_config") }
    @Test("gan run configs") func ganConfig() throws { try HostileCorpus.run("gan_config") }
    @Test("gan checkpoint folders") func checkpoint() throws { try HostileCorpus.run("checkpoint") }
    @Test("torchscript files") func torchscript() throws { try HostileCorpus.run("torchscript") }

    @Test("special files are rejected without reading")
    func specialFiles() throws {
        // A FIFO would block a reader forever and /dev/zero never ends: neither may be read.
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fifo = "\(root)/fifo.png"
        #expect(mkfifo(fifo, 0o644) == 0)
        let zero = "\(root)/zero.safetensors"
        try FileManager.default.createSymbolicLink(atPath: zero, withDestinationPath: "/dev/zero")
        let readers: [(String, () throws -> Void)] = [
            (fifo, { _ = try PNG.read(fifo) }),
            (zero, { _ = try SafeTensors.load(zero) }),
            (zero, { _ = try ExperimentConfig.load(zero) }),
            (zero, { _ = try GANConfig.read(zero) }),
            (zero, { _ = try IDX.readImages(zero) }),
            (zero, { _ = try CIFAR10.readBatch(zero) }),
            (fifo, { _ = try DatasetSource.readClassNames(fifo) }),
        ]
        for (path, read) in readers {
            let message = HostileCorpus.failureMessage(read)
            #expect(message?.contains(path) == true, "\(path): \(message ?? "no error")")
            #expect(message?.contains("not a regular file") == true, "\(path): \(message ?? "no error")")
        }
        let folder = "\(root)/classes"
        try FileManager.default.createDirectory(atPath: "\(folder)/a", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(folder)/a/0.png", withDestinationPath: "/dev/zero")
        let message = HostileCorpus.failureMessage { _ = try DatasetSource.load("folder:\(folder)", split: .train) }
        #expect(message?.contains("\(folder)/a/0.png") == true, "\(message ?? "no error")")
    }
}

/// Runs one parser's corpus.
enum HostileCorpus {
    struct Case: Decodable {
        let name: String
        let path: String
        let call: String
        let `class`: String
        let expect: String?
    }

    struct Manifest: Decodable {
        let parser: String
        let cases: [Case]
    }

    static func folder(_ parser: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/hostile/\(parser)", withExtension: nil))
        return url.path
    }

    static func manifest(_ parser: String) throws -> Manifest {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(try folder(parser))/cases.json"))
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    /// Runs every case of `parser` and records one issue per case that misbehaves.
    static func run(_ parser: String) throws {
        let manifest = try manifest(parser)
        let root = try folder(parser)
        let scratch = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        #expect(manifest.cases.count >= 5, "\(parser): only \(manifest.cases.count) cases")
        for item in manifest.cases {
            // Cases that write (tar extraction, resumed runs) work on a copy of the fixture.
            var path = "\(root)/\(item.path)"
            if ["tar", "checkpoint-run"].contains(item.call) {
                let copy = "\(scratch)/\(item.name)/\((item.path as NSString).lastPathComponent)"
                try FileManager.default.createDirectory(atPath: "\(scratch)/\(item.name)",
                                                        withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: path, toPath: copy)
                path = copy
            }
            let message = failureMessage { try call(item.call, path) }
            guard let expected = item.expect else {
                #expect(message == nil, "\(parser)/\(item.name) is valid but failed: \(message ?? "")")
                continue
            }
            guard let message else {
                Issue.record("\(parser)/\(item.name): no error was thrown")
                continue
            }
            #expect(message.contains(path), "\(parser)/\(item.name): the message does not name \(path): \(message)")
            #expect(message.contains(expected), "\(parser)/\(item.name): expected '\(expected)' in: \(message)")
            #expect(!message.contains("\n"), "\(parser)/\(item.name): the message spans lines: \(message)")
            if item.call == "tar" {
                let folder = (path as NSString).deletingLastPathComponent
                let left = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
                #expect(left.allSatisfy { ["out", (path as NSString).lastPathComponent].contains($0) },
                        "\(parser)/\(item.name): extraction wrote outside its folder: \(left)")
            }
        }
        for escape in ["/tmp/gda-hostile-escape", "\(scratch)/gda-hostile-escape", "\(scratch)/escape"] {
            #expect(!FileManager.default.fileExists(atPath: escape), "\(escape) was written")
        }
    }

    /// Returns the message of the GDAError or TorchError `body` throws, nil when it returns, and
    /// records an issue for any other error.
    static func failureMessage(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as GDAError {
            return error.message
        } catch let error as TorchError {
            return error.message
        } catch {
            Issue.record("expected a GDAError or TorchError, found \(type(of: error)): \(error)")
            return "\(error)"
        }
    }

    /// Reads `path` with the entry point `name` from the manifest.
    static func call(_ name: String, _ path: String) throws {
        switch name {
        case "idx-images": _ = try IDX.readImages(path)
        case "idx-labels": _ = try IDX.readLabels(path)
        case "idx-folder": _ = try DatasetSource.load("idx:\(path)", split: .train)
        case "cifar-batch": _ = try CIFAR10.readBatch(path)
        case "cifar-folder": _ = try CIFAR10.load(folder: path, split: .train)
        case "png": _ = try PNG.read(path)
        case "image-folder": _ = try DatasetSource.load("folder:\(path)", split: .train)
        case "image-folder-test": _ = try DatasetSource.load("folder:\(path)", split: .test)
        case "tar": try Tar.extract(path, into: (path as NSString).deletingLastPathComponent + "/out")
        case "safetensors": _ = try SafeTensors.load(path)
        case "experiment-config": _ = try ExperimentConfig.load(path)
        case "gan-config": try GANConfig.read(path).validate()
        case "checkpoint-run": _ = try GANTrainer(resuming: path, dataset: checkpointDataset)
        case "torchscript": _ = try ScriptModule(contentsOf: path)
        default: Issue.record("unknown call '\(name)' in a hostile manifest")
        }
    }

    /// Images that match the run config of the checkpoint cases: 16 grey 28×28 with
    /// Fashion-MNIST's 10 classes.
    static let checkpointDataset = Dataset(
        name: "zeros", images: [UInt8](repeating: 0, count: 16 * 28 * 28), labels: (0..<16).map { Int32($0 % 10) },
        channels: 1, height: 28, width: 28, classNames: DatasetSource.fashionMNISTClassNames)
}
