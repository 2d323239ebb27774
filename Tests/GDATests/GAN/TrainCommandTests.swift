import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

/// `gda train` and `gda sample` run as a user runs them: the built executable in a child
/// process, checked by exit status, messages and files.
@Suite("gda train and sample", .serialized)
struct TrainCommandTests {
    struct Outcome {
        let status: Int32
        let output: String
        let errors: String
    }

    /// The `gda` executable built next to the test bundle.
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0])
        .deletingLastPathComponent().appendingPathComponent("gda").path

    func gda(_ arguments: [String]) throws -> Outcome {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable),
                     "gda is not built at \(Self.executable)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = "1"
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
                       errors: String(decoding: errData, as: UTF8.self))
    }

    @Test("usage errors exit with status 2", arguments: [
        (["train", "wgan", "--dataset", "fashion-mnist", "--out", "/tmp/x"], "unknown model 'wgan'"),
        (["train", "madgan", "--dataset", "fashion-mnist"], "needs --out"),
        (["train", "cgan", "--out", "/tmp/x"], "needs --dataset"),
        (["train"], "needs a model"),
        (["train", "dcgan", "--dataset", "fashion-mnist", "--out", "/tmp/x", "--generators", "3"], "madgan only"),
        (["train", "cgan", "--dataset", "fashion-mnist", "--out", "/tmp/x", "--discriminator", "multiclass"],
         "discriminator"),
        (["train", "cgan", "--dataset", "nosuch", "--out", "/tmp/x"], "unknown dataset 'nosuch'"),
        (["train", "--resume", "/nonexistent/run"], "/nonexistent/run/config.json"),
        (["train", "--resume", "/nonexistent/run", "--epochs", "5"], "--epochs cannot be combined with --resume"),
        (["train", "classifier", "--resume", "/nonexistent/run", "--seed", "2"],
         "--seed cannot be combined with --resume"),
        (["train", "classifier", "--resume", "/nonexistent/run"], "run folder /nonexistent/run not found"),
        (["train", "classifier", "--out", "/tmp/x"], "--dataset NAME is required"),
        (["train", "cgan", "--dataset", "fashion-mnist", "--out", "/tmp/x", "--device", "tpu"], "device must be cpu"),
        (["sample", "/nonexistent/run", "--count", "4", "--out", "/tmp/x"], "/nonexistent/run/config.json"),
        (["sample", "/nonexistent/run", "--out", "/tmp/x"], "needs --count"),
        (["sample", "/nonexistent/run", "--count", "4", "--out", "/tmp/x", "--format", "jpeg"], "--format"),
    ])
    func usageErrors(arguments: [String], message: String) throws {
        let outcome = try gda(arguments)
        #expect(outcome.status == 2, "\(arguments): \(outcome.errors)")
        #expect(outcome.errors.contains(message), "\(arguments): \(outcome.errors)")
    }

    @Test("cuda without a GPU fails clearly")
    func cudaWithoutGPU() throws {
        // Runs only where CUDA is absent: a GPU machine would start training instead.
        let loaded = (try? Torch.loadCUDA()) != nil
        guard !loaded || !Torch.cudaIsAvailable else { return }
        let outcome = try gda(["train", "cgan", "--dataset", "fashion-mnist", "--out", "/tmp/x", "--device", "cuda"])
        #expect(outcome.status == 1)
        #expect(outcome.errors.contains("--device cuda"))
    }

    @Test("train, resume and sample an idx dataset")
    func endToEnd() throws {
        let root = try Oracle.temporaryFolder()
        try IDX.write(GANFixtures.dataset(), folder: "\(root)/data", prefix: "train")
        let run = "\(root)/run"
        let train = try gda(["train", "cgan", "--dataset", "idx:\(root)/data", "--out", run, "--steps", "3",
                             "--batch-size", "8", "--seed", "5", "--ema", "0.9"])
        #expect(train.status == 0, "\(train.errors)")
        #expect(FileManager.default.fileExists(atPath: "\(run)/checkpoints/step-000003.safetensors"))
        let config = try GANConfig.read("\(run)/config.json")
        #expect(config.steps == 3)
        #expect(config.emaDecay == 0.9)
        #expect(config.classCount == 4)

        let again = try gda(["train", "cgan", "--dataset", "idx:\(root)/data", "--out", run])
        #expect(again.status == 2)
        #expect(again.errors.contains("--resume"))
        let resumed = try gda(["train", "--resume", run])
        #expect(resumed.status == 0)
        #expect(resumed.output.contains("finished already"))

        let idx = try gda(["sample", run, "--count", "6", "--out", "\(root)/idx", "--format", "idx"])
        #expect(idx.status == 0, "\(idx.errors)")
        let samples = try DatasetSource.load("idx:\(root)/idx", split: .train)
        #expect(samples.count == 6)
        #expect(samples.labels == [0, 1, 2, 3, 0, 1])

        let png = try gda(["sample", run, "--count", "6", "--out", "\(root)/png", "--seed", "0"])
        #expect(png.status == 0, "\(png.errors)")
        let folders = try DatasetSource.load("folder:\(root)/png", split: .train)
        // The folder reader orders images by class; compare (label, pixels) pairs as sets.
        func pairs(_ dataset: Dataset) -> [String] {
            (0..<dataset.count).map { index in
                "\(dataset.labels[index]):" + dataset.images[(index * 784)..<((index + 1) * 784)].map(String.init)
                    .joined(separator: ",")
            }.sorted()
        }
        #expect(folders.count == 6)
        #expect(pairs(folders) == pairs(samples))

        let tensors = try gda(["sample", run, "--count", "6", "--out", "\(root)/st", "--format", "safetensors"])
        #expect(tensors.status == 0, "\(tensors.errors)")
        let file = try SafeTensors.load("\(root)/st/samples.safetensors").tensors
        #expect(file["latents"]?.shape == [6, 100])
        #expect(try file["images"]?.bytes() == samples.images)
    }
}
