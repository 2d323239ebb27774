import Foundation
import Torch

/// Everything that defines a GAN training run. `config.json` in the run folder holds the
/// resolved value, every default written out, and `gda train --resume` reads it back.
public struct GANConfig: Codable, Equatable, Sendable {
    public var model: GANModel
    /// The dataset as `--dataset` names it: `mnist`, `fashion-mnist`, `cifar10`,
    /// `folder:PATH` or `idx:PATH`.
    public var dataset: String
    /// Train on a stratified subset of this many images; nil for the whole training split.
    public var limit: Int?
    public var seed: UInt64
    /// Training length in epochs; ignored when `steps` is set.
    public var epochs: Int
    /// Training length in steps (one real batch and one discriminator update each); nil to
    /// train for `epochs`.
    public var steps: Int?
    public var batchSize: Int
    /// K, the number of MADGAN generators (1 for the other models).
    public var generators: Int
    /// Generator blocks the MADGAN generators share; every block but the last by default.
    public var sharedBlocks: Int
    public var discriminator: DiscriminatorKind
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    /// Discriminator updates per generator update.
    public var discriminatorSteps: Int
    /// One-sided label smoothing: real targets become 1 - s (binary), or get s spread
    /// uniformly over all classes (multiclass). Fake targets stay hard.
    public var labelSmoothing: Double
    /// Decay of an exponential moving average of the generator weights; nil for none.
    public var emaDecay: Double?
    /// Steps between checkpoints; a checkpoint is also written at the end.
    public var checkpointEvery: Int
    /// Step checkpoints kept on disk; older ones are deleted.
    public var keepCheckpoints: Int
    /// Steps between metric records (each the mean over its interval).
    public var logEvery: Int
    /// Columns of the per-epoch sample grids.
    public var gridColumns: Int
    /// "cpu", "cuda" or "cuda:N".
    public var device: String

    /// Filled from the dataset when the run starts.
    public var imageShape: ImageShape
    public var classNames: [String]

    /// A configuration with every default: 10 epochs, batch 64, Adam lr 2e-4 and betas
    /// (0.5, 0.999), one discriminator step per generator step, no smoothing, no moving
    /// average; K = 10 for MADGAN.
    public init(model: GANModel, dataset: String, imageShape: ImageShape = .grey28,
                classNames: [String] = (0..<10).map(String.init))
    {
        self.model = model
        self.dataset = dataset
        limit = nil
        seed = 0
        epochs = 10
        steps = nil
        batchSize = 64
        generators = model == .madgan ? 10 : 1
        sharedBlocks = GANArchitecture.generatorBlockCount(imageShape) - 1
        discriminator = DiscriminatorKind.allowed(for: model)[0]
        learningRate = 2e-4
        beta1 = 0.5
        beta2 = 0.999
        discriminatorSteps = 1
        labelSmoothing = 0
        emaDecay = nil
        checkpointEvery = 500
        keepCheckpoints = 3
        logEvery = 10
        gridColumns = 10
        device = "cpu"
        self.imageShape = imageShape
        self.classNames = classNames
    }

    public var classCount: Int { classNames.count }

    public var computeDevice: Device {
        get throws {
            guard let parsed = Device(device) else {
                throw GDAError.config("device must be cpu, cuda or cuda:N, found '\(device)'")
            }
            return parsed
        }
    }

    /// Throws a configuration error naming the first invalid field.
    public func validate() throws {
        try GANArchitecture.validate(imageShape)
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw GDAError.config(message) }
        }
        try require(batchSize >= 2, "batch size must be at least 2 (batch norm needs two images), found \(batchSize)")
        try require(epochs >= 1, "epochs must be at least 1, found \(epochs)")
        try require((steps ?? 1) >= 1, "steps must be at least 1, found \(steps ?? 0)")
        try require(limit.map { $0 >= 1 } ?? true, "limit must be at least 1, found \(limit ?? 0)")
        try require(model == .madgan ? generators >= 1 : generators == 1,
                    model == .madgan ? "a MADGAN needs at least 1 generator, found \(generators)"
                        : "--generators applies to madgan only; \(model.rawValue) has 1 generator")
        let blocks = GANArchitecture.generatorBlockCount(imageShape)
        try require((1..<blocks).contains(sharedBlocks),
                    "shared generator blocks must be in 1...\(blocks - 1), found \(sharedBlocks)")
        let allowed = DiscriminatorKind.allowed(for: model)
        try require(allowed.contains(discriminator),
                    "a \(model.rawValue) discriminator must be \(allowed.map(\.rawValue).joined(separator: " or ")), found \(discriminator.rawValue)")
        try require(model != .cgan || classCount >= 1, "a cgan needs a labelled dataset with at least one class")
        try require(learningRate > 0 && learningRate.isFinite, "learning rate must be positive, found \(learningRate)")
        try require((0..<1).contains(beta1) && (0..<1).contains(beta2),
                    "Adam betas must be in [0, 1), found (\(beta1), \(beta2))")
        try require(discriminatorSteps >= 1, "discriminator steps must be at least 1, found \(discriminatorSteps)")
        try require((0..<1).contains(labelSmoothing), "label smoothing must be in [0, 1), found \(labelSmoothing)")
        if let emaDecay {
            try require(emaDecay > 0 && emaDecay < 1, "EMA decay must be in (0, 1), found \(emaDecay)")
        }
        try require(checkpointEvery >= 1, "checkpoint interval must be at least 1 step, found \(checkpointEvery)")
        try require(keepCheckpoints >= 1, "at least 1 checkpoint must be kept, found \(keepCheckpoints)")
        try require(logEvery >= 1, "log interval must be at least 1 step, found \(logEvery)")
        try require(gridColumns >= 1, "grid columns must be at least 1, found \(gridColumns)")
        try validateLimits()
        _ = try computeDevice
    }

    // MARK: - JSON

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// Writes every field; unset optionals are written as null so that the file lists every
    /// setting (the synthesized encoder would leave them out).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(model, forKey: .model)
        try container.encode(dataset, forKey: .dataset)
        try container.encode(limit, forKey: .limit)
        try container.encode(seed, forKey: .seed)
        try container.encode(epochs, forKey: .epochs)
        try container.encode(steps, forKey: .steps)
        try container.encode(batchSize, forKey: .batchSize)
        try container.encode(generators, forKey: .generators)
        try container.encode(sharedBlocks, forKey: .sharedBlocks)
        try container.encode(discriminator, forKey: .discriminator)
        try container.encode(learningRate, forKey: .learningRate)
        try container.encode(beta1, forKey: .beta1)
        try container.encode(beta2, forKey: .beta2)
        try container.encode(discriminatorSteps, forKey: .discriminatorSteps)
        try container.encode(labelSmoothing, forKey: .labelSmoothing)
        try container.encode(emaDecay, forKey: .emaDecay)
        try container.encode(checkpointEvery, forKey: .checkpointEvery)
        try container.encode(keepCheckpoints, forKey: .keepCheckpoints)
        try container.encode(logEvery, forKey: .logEvery)
        try container.encode(gridColumns, forKey: .gridColumns)
        try container.encode(device, forKey: .device)
        try container.encode(imageShape, forKey: .imageShape)
        try container.encode(classNames, forKey: .classNames)
    }

    /// Reads and validates `config.json`, naming the file in any error.
    public static func read(_ path: String) throws -> GANConfig {
        let data: Data
        do {
            data = try InputFile.read(path, maximumBytes: InputFile.maximumTextBytes, kind: "a GAN run config")
        } catch let error as GDAError where error.exitCode == 2 {
            throw GDAError.config("\(error.message); is this a gda training run?")
        }
        let config: GANConfig
        do {
            config = try JSONDecoder().decode(GANConfig.self, from: data)
        } catch let error as DecodingError {
            let number = JSONChecks.numberMessage(for: error, in: data) { _ = try JSONDecoder().decode(GANConfig.self, from: $0) }
            throw GDAError.config("\(path): invalid GAN config: \(number ?? describe(error))")
        }
        do {
            try config.validate()
        } catch let error as GDAError {
            throw GDAError.config("\(path): \(error.message)")
        }
        return config
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing key '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        @unknown default: "\(error)"
        }
    }
}
