import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

@Suite("GAN training", .serialized)
struct GANTrainingTests {
    init() {
        GANFixtures.oneThread
    }

    let dataset = GANFixtures.dataset()

    /// Trains a fresh run of `config` in a new temporary folder; returns the folder.
    func train(_ config: GANConfig, maxSteps: Int? = nil) throws -> String {
        let folder = try Oracle.temporaryFolder() + "/run"
        let trainer = try GANTrainer(config: config, dataset: dataset, folder: folder)
        try trainer.train(maxSteps: maxSteps)
        return folder
    }

    func latestTensors(_ folder: String) throws -> [String: [UInt8]] {
        try GANFixtures.tensorBytes(try #require(try GANCheckpoint.latest(folder)))
    }

    // MARK: - Reproducibility

    @Test("same seed gives identical weights")
    func sameSeed() throws {
        let config = GANFixtures.config(.madgan, steps: 3)
        let first = try latestTensors(try train(config))
        let second = try latestTensors(try train(config))
        #expect(first.keys.sorted() == second.keys.sorted())
        for name in first.keys.sorted() {
            // A Bool, so that a failure names the tensor without printing megabytes of bytes.
            let same = first[name] == second[name]
            #expect(same, "\(name) differs between two runs of one seed")
        }
        var other = config
        other.seed = 8
        let third = try latestTensors(try train(other))
        let differs = third["generator.trunk.0.weight"] != first["generator.trunk.0.weight"]
        #expect(differs)
    }

    @Test("N steps, resume, M steps equal N + M steps", arguments: [GANModel.cgan, .madgan])
    func resumeBitForBit(model: GANModel) throws {
        var config = GANFixtures.config(model, steps: 7)
        config.emaDecay = 0.9
        config.labelSmoothing = 0.1
        config.checkpointEvery = 2
        config.discriminatorSteps = model == .madgan ? 2 : 1
        // Five batches per epoch: the stop at step 3 and the end at step 7 sit in different epochs.
        let whole = try train(config)

        let folder = try Oracle.temporaryFolder() + "/run"
        let first = try GANTrainer(config: config, dataset: dataset, folder: folder)
        try first.train(maxSteps: 3)
        #expect(try GANCheckpoint.latest(folder)?.hasSuffix("step-000003.safetensors") == true)
        let second = try GANTrainer(resuming: folder, dataset: dataset)
        #expect(second.position == TrainingPosition(step: 3, epoch: 0, batch: 3))
        try second.train()
        #expect(second.position == TrainingPosition(step: 7, epoch: 1, batch: 2))

        let expected = try latestTensors(whole)
        let actual = try latestTensors(folder)
        #expect(expected.keys.sorted() == actual.keys.sorted())
        #expect(expected.keys.contains("generator_ema.trunk.0.weight"))
        #expect(expected.keys.contains("optimizer.generator.state.0.exp_avg"))
        for name in expected.keys.sorted() {
            let same = expected[name] == actual[name]
            #expect(same, "\(name) differs after a resume")
        }
    }

    @Test("losses and weights change", arguments: [
        (GANModel.dcgan, DiscriminatorKind.binary), (.cgan, .projection), (.cgan, .concat), (.madgan, .multiclass),
        (.madgan, .binary),
    ])
    func nothingFrozen(model: GANModel, kind: DiscriminatorKind) throws {
        var config = GANFixtures.config(model, steps: 3)
        config.discriminator = kind
        let folder = try Oracle.temporaryFolder() + "/run"
        let trainer = try GANTrainer(config: config, dataset: dataset, folder: folder)
        var before: [(String, [UInt8])] = []
        for (name, tensor) in trainer.state.generator.namedParameters() + trainer.state.discriminator.namedParameters() {
            before.append((name, try tensor.bytes()))
        }
        var losses: [StepLosses] = []
        let iterator = trainer.batches.makeIterator(epoch: 0, startBatch: 0)
        for _ in 0..<3 {
            let batch = try #require(try iterator.next())
            losses.append(try trainer.trainStep(real: batch.images, labels: batch.labels))
            trainer.state.position.step += 1
        }
        let after = trainer.state.generator.namedParameters() + trainer.state.discriminator.namedParameters()
        for ((name, old), (_, tensor)) in zip(before, after) {
            let changed = try tensor.bytes() != old
            #expect(changed, "\(name) did not change in 3 steps")
        }
        #expect(Set(losses.map(\.discriminator)).count == 3)
        #expect(Set(losses.compactMap(\.generator)).count == 3)
    }

    @Test("non-finite loss stops the run")
    func divergence() throws {
        let config = GANFixtures.config(.dcgan, steps: 6)
        let folder = try Oracle.temporaryFolder() + "/run"
        let trainer = try GANTrainer(config: config, dataset: dataset, folder: folder)
        try trainer.train(maxSteps: 2)
        try trainer.state.discriminator.out.weight.fill_(.nan)
        do {
            try trainer.train()
            Issue.record("training on NaN weights did not stop")
        } catch let error as DivergenceError {
            #expect(error.step == 3)
            #expect(error.description.contains("step 3"))
            #expect(error.description.contains("loss/d is nan"))
            #expect(error.description.contains("step-000002.safetensors"))
        }
        #expect(try GANCheckpoint.latest(folder)?.hasSuffix("step-000002.safetensors") == true)
        let names = try FileManager.default.contentsOfDirectory(atPath: GANCheckpoint.folder(folder))
        #expect(!names.contains("step-000003.safetensors"))
    }

    // MARK: - Run folder

    @Test("run folder, events and export")
    func runFolder() throws {
        var config = GANFixtures.config(.madgan, epochs: 1)
        config.keepCheckpoints = 2
        config.checkpointEvery = 1
        let folder = try Oracle.temporaryFolder() + "/run"
        let trainer = try GANTrainer(config: config, dataset: dataset, folder: folder)
        var hookEpochs: [Int] = []
        trainer.epochEnd = { epoch, generator in
            hookEpochs.append(epoch)
            let batch = try generator.sample(count: 6, seed: 1)
            return ["test/generators_seen": Double(Set(batch.generators ?? []).count)]
        }
        let final = try trainer.train()
        #expect(hookEpochs == [1])

        // config.json lists every setting, unset ones as null.
        let configData = try #require(FileManager.default.contents(atPath: "\(folder)/config.json"))
        let configObject = try #require(try JSONSerialization.jsonObject(with: configData) as? [String: Any])
        #expect(configObject["limit"] is NSNull)
        #expect(configObject["steps"] is NSNull)
        #expect(configObject["emaDecay"] is NSNull)
        #expect(configObject["learningRate"] as? Double == 2e-4)
        #expect(try GANConfig.read("\(folder)/config.json") == trainer.config)

        // Checkpoints: the newest two kept, the pointer on the last.
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: GANCheckpoint.folder(folder)).sorted()
        #expect(checkpoints == ["generator.safetensors", "latest", "step-000004.safetensors", "step-000005.safetensors"])

        // The grid: one row per generator, one column per latent.
        let grid = try PNG.read("\(folder)/samples/epoch-001.png")
        #expect(grid.height == 3 * 28 + 4 * 2)
        #expect(grid.width == 4 * 28 + 5 * 2)

        // generator.safetensors carries exactly the reference module's names and shapes.
        let export = try SafeTensors.load("\(GANCheckpoint.folder(folder))/generator.safetensors").tensors
        let reference = try #require(try GANFixtures.referenceNames()["madgan_generator_28_k3"])
        #expect(export.keys.sorted() == reference.map(\.name).sorted())
        for entry in reference {
            #expect(export[entry.name]?.shape == entry.shape, "\(entry.name)")
        }

        // The run reopens for sampling with the same weights.
        let reopened = try GANRun.load(folder)
        #expect(reopened.step == 5)
        let a = try reopened.sample(count: 9, seed: 4)
        let b = try final.sample(count: 9, seed: 4)
        #expect(try SameBytes.tensors(a.images, b.images))
        #expect(a.generators == b.generators)
        #expect(a.images.shape == [9, 1, 28, 28])

        try checkEvents(folder)
    }

    /// TensorBoard's reader finds the scalars of metrics.jsonl, with the same steps and values.
    func checkEvents(_ folder: String) throws {
        let events = try Oracle.json("tensorboard_events.py", [folder])
        let scalars = try #require(events["scalars"] as? [String: [[Double]]])
        let images = try #require(events["images"] as? [String: [[Int]]])
        let lines = try String(contentsOfFile: "\(folder)/metrics.jsonl", encoding: .utf8)
            .split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        var expected: [String: [[Double]]] = [:]
        for line in lines {
            guard let tag = line["tag"] as? String, let step = line["step"] as? Int,
                  let value = line["value"] as? Double else { continue }
            expected[tag, default: []].append([Double(step), value])
        }

        let tags = ["d/accuracy_fake", "d/accuracy_real", "loss/d", "loss/g", "test/generators_seen",
                    "time/seconds_per_step"]
        #expect(scalars.keys.sorted() == tags)
        #expect(expected.keys.sorted() == tags)
        // A checkpoint at every step ends a logging interval at every step.
        #expect(scalars["loss/d"]?.map { Int($0[0]) } == [1, 2, 3, 4, 5])
        #expect(scalars["test/generators_seen"]?.map { Int($0[0]) } == [5])

        for tag in tags {
            let read = scalars[tag] ?? []
            let written = expected[tag] ?? []
            #expect(read.count == written.count, "\(tag)")
            for (r, w) in zip(read, written) {
                #expect(r[0] == w[0], "\(tag) step")
                #expect(abs(r[1] - w[1]) <= 1e-6 * max(1, abs(w[1])), "\(tag) value \(r[1]) vs \(w[1])")
            }
        }

        // One grid at the end of the epoch: step, width, height, PNG size.
        let grids = try #require(images["samples"])
        #expect(grids.count == 1)
        #expect(grids.first.map { Array($0[0..<3]) } == [5, 4 * 28 + 5 * 2, 3 * 28 + 4 * 2])
    }

    // MARK: - Pieces

    @Test("CRC-32C of the standard check string")
    func crc32c() {
        #expect(CRC32C.checksum(Data("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum(Data()) == 0)
    }

    @Test("invalid settings are configuration errors")
    func invalidConfig() throws {
        var config = GANFixtures.config(.cgan)
        config.discriminator = .multiclass
        #expect(throws: GDAError.self) { try config.validate() }
        config = GANFixtures.config(.dcgan)
        config.generators = 3
        #expect(throws: GDAError.self) { try config.validate() }
        config = GANFixtures.config(.madgan)
        config.sharedBlocks = 3
        #expect(throws: GDAError.self) { try config.validate() }
        config = GANFixtures.config(.madgan)
        config.batchSize = 64
        let folder = try Oracle.temporaryFolder() + "/run"
        do {
            _ = try GANTrainer(config: config, dataset: dataset, folder: folder)
            Issue.record("a batch larger than the dataset was accepted")
        } catch let error as GDAError {
            #expect(error.exitCode == 2)
            #expect(error.message.contains("64"))
        }
    }
}
