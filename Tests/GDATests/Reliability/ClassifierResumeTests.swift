import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

/// A classifier run stopped at any step and resumed from its newest checkpoint ends with the
/// weights, Adam state and generator states of an uninterrupted run, byte for byte. Dropout
/// (on by default) and augmentation make both random generators matter.
@Suite("classifier checkpoints and resume")
struct ClassifierResumeTests {
    init() {
        _ = GANFixtures.oneThread
    }

    /// Thrown from the step callback to stop a run as a crash would, after a step.
    struct Stop: Error {}

    static let data = GANFixtures.dataset(count: 50, classes: 4)
    static let settings = ClassifierSettings(epochs: 3, batchSize: 16, augmentPolicy: "fashion", seed: 5)

    static func trainer(folder: String, every: Int, stopAfter: Int? = nil) throws -> ClassifierTrainer {
        var trainer = ClassifierTrainer(settings: settings, normalization: Normalization.of(data),
                                        transform: try AugmentPolicy.named("fashion", channels: 1).batchTransform)
        trainer.checkpointing = ClassifierCheckpointing(folder: "\(folder)/checkpoints", every: every, keep: 2)
        trainer.onStep = { step, _ in
            if step == stopAfter { throw Stop() }
        }
        return trainer
    }

    /// Trains in `root` until a stop after step 5; returns the newest checkpoint, from step 4.
    static func stoppedRun(_ root: String) throws -> String {
        let stopping = try trainer(folder: root, every: 3, stopAfter: 5)
        #expect(throws: Stop.self) { _ = try stopping.train(data) }
        return try #require(try ClassifierCheckpoint.latest(in: "\(root)/checkpoints"))
    }

    /// Writes edited tensors and metadata over a checkpoint.
    static func rewrite(_ path: String, _ tensors: [String: Tensor], _ metadata: [String: String]) throws {
        try SafeTensors.save(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: path,
                             metadata: metadata)
    }

    /// Trains without interruption, then once per stopping step: stops there, resumes from the
    /// newest checkpoint, and compares the final checkpoint file and the weights byte for
    /// byte. The step callback runs before that step's checkpoint is written. So a run stopped
    /// after step 4 resumes from step 3, inside an epoch and with the augmentation generator's
    /// state. After 6 it resumes from 4 (an epoch's end), after 11 from 9, after 1 or 3 from
    /// the start.
    @Test("stopping anywhere and resuming ends byte-identical", arguments: [1, 3, 4, 6, 9, 11])
    func resumeAnywhere(stopAfter: Int) throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // 50 images in batches of 16: 4 batches per epoch, 12 steps, a checkpoint every 3
        // steps inside epochs (3, 6, 9) and one at each epoch's end (4, 8, 12).
        let reference = try Self.trainer(folder: "\(root)/reference", every: 3).train(Self.data)
        let finalName = StepCheckpoints.fileName(step: 12)
        let expectedFinal = try Data(contentsOf: URL(fileURLWithPath: "\(root)/reference/checkpoints/\(finalName)"))

        let stopping = try Self.trainer(folder: "\(root)/run", every: 3, stopAfter: stopAfter)
        #expect(throws: Stop.self) { _ = try stopping.train(Self.data) }
        let latest = try ClassifierCheckpoint.latest(in: "\(root)/run/checkpoints")
        let resumed = try Self.trainer(folder: "\(root)/run", every: 3).train(Self.data, resumingFrom: latest)

        let final = try Data(contentsOf: URL(fileURLWithPath: "\(root)/run/checkpoints/\(finalName)"))
        let difference = SameBytes.difference(final, expectedFinal)
        #expect(difference == nil, "the final checkpoint differs after stopping at step \(stopAfter): \(difference ?? "")")
        let expected = Dictionary(uniqueKeysWithValues: reference.stateDict())
        for (name, tensor) in resumed.stateDict() {
            #expect(try SameBytes.tensors(tensor, expected[name]), "\(name) differs after stopping at step \(stopAfter)")
        }
    }

    @Test("a checkpoint of another training set is refused")
    func otherTrainingSet() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try Self.trainer(folder: root, every: 3).train(Self.data)
        let latest = try #require(try ClassifierCheckpoint.latest(in: "\(root)/checkpoints"))
        let smaller = GANFixtures.dataset(count: 40, classes: 4)
        let error = #expect(throws: GDAError.self) {
            _ = try Self.trainer(folder: root, every: 3).train(smaller, resumingFrom: latest)
        }
        #expect(error?.exitCode == 2)
        #expect(error?.message.contains("50 images in batches of 16") == true, "\(String(describing: error))")
    }

    @Test("a diverging run stops naming the step and keeps its last good checkpoint")
    func divergence() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var trainer = try Self.trainer(folder: root, every: 1)
        trainer.settings.learningRate = 1e30
        let error = #expect(throws: GDAError.self) { _ = try trainer.train(Self.data) }
        let message = error?.message ?? ""
        #expect(message.contains("at step"), "\(message)")
        #expect(message.contains("not finite") || message.contains("the loss is"), "\(message)")
        // The newest checkpoint on disk has finite weights and resumes.
        let latest = try #require(try ClassifierCheckpoint.latest(in: "\(root)/checkpoints"))
        let model = try ClassifierNet(channels: 1, size: 28, classes: 4, generator: Generator(seed: 0))
        let optimizer = Adam(model.parameters(), learningRate: 1e-3)
        let progress = try ClassifierCheckpoint.restore(latest, model: model, optimizer: optimizer,
                                                        dropout: Generator(seed: 0),
                                                        shape: .init(examples: 50, batchSize: 16, epochs: 3,
                                                                     settings: trainer.settings))
        #expect(progress.position.step >= 1)
    }

    @Test("changed settings are refused", arguments: ["seed", "dropout", "augment", "learning_rate"])
    func changedSettings(setting: String) throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let latest = try Self.stoppedRun(root)

        var changed = try Self.trainer(folder: root, every: 3)
        switch setting {
        case "seed": changed.settings.seed += 1
        case "dropout": changed.settings.dropout = 0
        case "augment":
            changed.settings.augmentPolicy = nil
            changed.transform = nil
        default: changed.settings.learningRate *= 2
        }
        let error = #expect(throws: GDAError.self) { _ = try changed.train(Self.data, resumingFrom: latest) }
        #expect(error?.exitCode == 2)
        #expect(error?.message.contains("other settings (\(setting))") == true, "\(String(describing: error))")

        // More epochs than the run started with are allowed.
        var longer = try Self.trainer(folder: root, every: 3)
        longer.settings.epochs += 1
        let model = try longer.train(Self.data, resumingFrom: latest)
        #expect(model.parameters().count > 0)
    }

    @Test("inconsistent checkpoint metadata is refused", arguments: [
        ("step", "7", "does not match epoch"),
        ("epoch", "9", "does not match epoch"),
        ("seen", "5", "epoch totals"),
        ("correct", "999", "epoch totals"),
        ("loss_sum", "abc", "metadata 'loss_sum'"),
    ])
    func inconsistentMetadata(key: String, value: String, message: String) throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let latest = try Self.stoppedRun(root)
        var (tensors, metadata) = try SafeTensors.load(latest)
        metadata[key] = value
        try Self.rewrite(latest, tensors, metadata)
        let error = #expect(throws: GDAError.self) {
            _ = try Self.trainer(folder: root, every: 3).train(Self.data, resumingFrom: latest)
        }
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(error?.message.contains(latest) == true, "\(String(describing: error))")
    }

    @Test("non-finite optimizer state is refused")
    func nonFiniteOptimizerState() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let latest = try Self.stoppedRun(root)
        var (tensors, metadata) = try SafeTensors.load(latest)
        let name = "optimizer.state.0.exp_avg_sq"
        let original = try #require(tensors[name])
        tensors[name] = try Tensor.full(original.shape, .infinity)
        try Self.rewrite(latest, tensors, metadata)
        let error = #expect(throws: GDAError.self) {
            _ = try Self.trainer(folder: root, every: 3).train(Self.data, resumingFrom: latest)
        }
        #expect(error?.message.contains("optimizer state.0.exp_avg_sq is not finite") == true,
                "\(String(describing: error))")
    }
}
