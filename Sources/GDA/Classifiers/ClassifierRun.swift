import Foundation
import Torch

/// The settings of a `gda train classifier` run, kept in `RUN/config.json` so that
/// `gda train --resume RUN` can continue the run with exactly these settings.
public struct ClassifierRunConfig: Codable, Equatable, Sendable {
    /// The value of `model` that marks a classifier run (GAN runs name their model there).
    public static let modelName = "classifier"

    public var model = modelName
    /// mnist, fashion-mnist, cifar10, idx:PATH or folder:PATH; the training split is used.
    public var dataset: String
    /// Train on a stratified subset of this many images, or on the whole split when nil.
    public var limit: Int?
    /// Traditional augmentation policy of every batch, or nil for none.
    public var augment: String?
    public var epochs = 10
    /// Images per step (per process in a data-parallel run).
    public var batchSize = 64
    public var learningRate = 1e-3
    public var dropout = 0.5
    public var seed: UInt64 = 0
    public var device = "cpu"
    public var checkpointEvery = 500
    public var keepCheckpoints = 3

    public init(dataset: String) {
        self.dataset = dataset
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, dataset, limit, augment, epochs, batchSize, learningRate, dropout, seed, device
        case checkpointEvery, keepCheckpoints
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(String.self, forKey: .model)
        dataset = try container.decode(String.self, forKey: .dataset)
        limit = try container.decodeIfPresent(Int.self, forKey: .limit)
        augment = try container.decodeIfPresent(String.self, forKey: .augment)
        epochs = try container.decode(Int.self, forKey: .epochs)
        batchSize = try container.decode(Int.self, forKey: .batchSize)
        learningRate = try container.decode(Double.self, forKey: .learningRate)
        dropout = try container.decode(Double.self, forKey: .dropout)
        seed = try container.decode(UInt64.self, forKey: .seed)
        device = try container.decode(String.self, forKey: .device)
        checkpointEvery = try container.decode(Int.self, forKey: .checkpointEvery)
        keepCheckpoints = try container.decode(Int.self, forKey: .keepCheckpoints)
    }

    /// The trainer's settings.
    public var settings: ClassifierSettings {
        ClassifierSettings(epochs: epochs, batchSize: batchSize, learningRate: learningRate, augmentPolicy: augment,
                           seed: seed, dropout: dropout)
    }

    /// Checks ranges that a hand-edited config could break.
    public func validate() throws {
        var problems: [String] = []
        if model != Self.modelName { problems.append("model must be '\(Self.modelName)', found '\(model)'") }
        if !(1...100_000).contains(epochs) { problems.append("epochs must be in 1...100000, found \(epochs)") }
        if !(1...65536).contains(batchSize) { problems.append("batchSize must be in 1...65536, found \(batchSize)") }
        if let limit, limit < 1 { problems.append("limit must be positive, found \(limit)") }
        if !(learningRate > 0 && learningRate.isFinite) {
            problems.append("learningRate must be a positive number, found \(learningRate)")
        }
        if !(0..<1).contains(dropout) { problems.append("dropout must be in [0, 1), found \(dropout)") }
        if checkpointEvery < 1 { problems.append("checkpointEvery must be positive, found \(checkpointEvery)") }
        if keepCheckpoints < 1 { problems.append("keepCheckpoints must be positive, found \(keepCheckpoints)") }
        if let augment, augment != "default", !AugmentPolicy.names.contains(augment) {
            problems.append("augment must be default or one of " + AugmentPolicy.names.joined(separator: ", ")
                + ", found '\(augment)'")
        }
        if Device(device) == nil { problems.append("device must be cpu, cuda or cuda:N, found '\(device)'") }
        if let first = problems.first { throw GDAError.config(first) }
    }

    /// Reads and checks a run's config.json.
    public static func read(_ path: String) throws -> ClassifierRunConfig {
        let data = try InputFile.read(path, maximumBytes: InputFile.maximumTextBytes, kind: "a classifier run config")
        let config: ClassifierRunConfig
        do {
            config = try JSONDecoder().decode(ClassifierRunConfig.self, from: data)
        } catch let error as DecodingError {
            let number = JSONChecks.numberMessage(for: error, in: data) {
                _ = try JSONDecoder().decode(ClassifierRunConfig.self, from: $0)
            }
            throw GDAError.config("\(path): invalid classifier run config: \(number ?? describe(error))")
        } catch let error as GDAError {
            throw GDAError.config("\(path): \(error.message)")
        }
        do {
            try config.validate()
        } catch let error as GDAError {
            throw GDAError.config("\(path): \(error.message)")
        }
        return config
    }

    /// Reads the `model` named by `folder/config.json`, also from a damaged file that still
    /// shows it; nil when the file is missing or names none.
    public static func model(ofRun folder: String) -> String? {
        struct Probe: Decodable { var model: String? }
        guard let data = try? InputFile.read("\(folder)/config.json", maximumBytes: InputFile.maximumTextBytes,
                                             kind: "a run config")
        else { return nil }
        if let probe = try? JSONDecoder().decode(Probe.self, from: data) { return probe.model }
        // A damaged file may still show its model, so that its errors come from the right reader.
        let text = String(decoding: data, as: UTF8.self)
        let pattern = /"model"\s*:\s*"([a-z]+)"/
        return text.firstMatch(of: pattern).map { String($0.1) }
    }
}

/// A `gda train classifier` run on one process: its config, folder and training set, and
/// training with checkpoints in `RUN/checkpoints/`. The command evaluates the result and
/// writes `RUN/checkpoints/classifier.safetensors` and `RUN/results/classifier.json`.
public struct ClassifierRun {
    public let config: ClassifierRunConfig
    public let folder: String
    /// Training images: the training split or its stratified subset.
    public let data: Dataset
    public let normalization: Normalization

    /// Loads the training set of `config`: the training split, or its stratified subset of `limit`.
    public static func trainingSet(_ config: ClassifierRunConfig) throws -> Dataset {
        let train = try DatasetSource.load(config.dataset, split: .train)
        guard let limit = config.limit, limit < train.count else { return train }
        return train.stratifiedSubset(count: limit, seed: Seeds.derive(config.seed, "classifier-subset"))
    }

    public init(config: ClassifierRunConfig, folder: String, data: Dataset) {
        self.config = config
        self.folder = folder
        self.data = data
        normalization = Normalization.of(data)
    }

    /// Builds the batch transform of the run's augmentation policy; nil for none.
    public func transform() throws -> BatchTransform? {
        guard let name = config.augment, name != "none" else { return nil }
        let resolved = name == "default" ? AugmentPolicy.defaultName(forDataset: config.dataset, channels: data.channels)
            : name
        return try AugmentPolicy.named(resolved, channels: data.channels).batchTransform
    }

    /// Starts a new run: rejects a folder that contains a run already, then writes config.json.
    public func start() throws {
        if FileManager.default.fileExists(atPath: "\(folder)/config.json") {
            throw GDAError.config("\(folder) already contains a run; continue it with 'gda train --resume \(folder)' "
                + "or choose another --out")
        }
        try writeConfig()
    }

    func writeConfig() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try AtomicFile.write(try encoder.encode(config), to: "\(folder)/config.json")
        } catch let error as TorchError {
            throw GDAError(error.message)
        }
    }

    /// Deletes the temporary files of atomic writes that a killed process left in the run.
    public func removeTemporaries() {
        for sub in ["", "/checkpoints", "/results"] {
            RunRepair.removeTemporaries("\(folder)\(sub)")
        }
    }

    /// Optimizer steps of the whole run.
    public var totalSteps: Int {
        config.settings.totalSteps(count: data.count)
    }

    /// Returns the steps done by the newest checkpoint; 0 when there is none.
    public func completedSteps() throws -> Int {
        try latestCheckpoint().flatMap { StepCheckpoints.step(ofFileName: URL(fileURLWithPath: $0).lastPathComponent) }
            ?? 0
    }

    /// Loads the finished classifier; nil until the run has written both its results and a
    /// loadable `checkpoints/classifier.safetensors`.
    public func finishedClassifier() -> ClassifierNet? {
        guard FileManager.default.fileExists(atPath: "\(folder)/results/classifier.json") else { return nil }
        return try? ClassifierNet.load("\(folder)/checkpoints/classifier.safetensors").0
    }

    /// Finds the newest step checkpoint of the run; nil when it has none.
    public func latestCheckpoint() throws -> String? {
        try ClassifierCheckpoint.latest(in: "\(folder)/checkpoints")
    }

    /// Trains from the newest checkpoint (or from the start) to the end of the last epoch.
    public func train(device: Device, onStep: ((Int, Int) throws -> Void)? = nil,
                      onEpoch: ((Int, Int, Double, Double) -> Void)? = nil) throws -> ClassifierNet {
        var trainer = ClassifierTrainer(settings: config.settings, normalization: normalization,
                                        transform: try transform(), device: device, onEpoch: onEpoch)
        trainer.checkpointing = ClassifierCheckpointing(folder: "\(folder)/checkpoints", every: config.checkpointEvery,
                                                        keep: config.keepCheckpoints)
        trainer.onStep = onStep
        return try trainer.train(data, resumingFrom: try latestCheckpoint())
    }
}
