import Foundation
import Torch

/// Builds the models a configuration names, with DCGAN initialisation.
public enum GANFactory {
    /// Builds the generator (or K generators) of `config`, initialised from `rng`.
    public static func makeGenerator(_ config: GANConfig, rng: Generator) throws -> any ImageGenerator {
        let model: any ImageGenerator
        switch config.model {
        case .dcgan:
            model = try GANGenerator(shape: config.imageShape, generator: rng)
        case .cgan:
            model = try GANGenerator(shape: config.imageShape, classes: config.classCount, generator: rng)
        case .madgan:
            model = try MultiGenerator(shape: config.imageShape, count: config.generators,
                                       sharedBlocks: config.sharedBlocks, generator: rng)
        }
        try dcganInit(model, generator: rng)
        return model
    }

    /// Builds the discriminator of `config`, initialised from `rng`.
    public static func makeDiscriminator(_ config: GANConfig, rng: Generator) throws -> GANDiscriminator {
        let outputs = config.discriminator == .multiclass ? MADGANLabels(generators: config.generators).realClass + 1 : 1
        let model = try GANDiscriminator(shape: config.imageShape, kind: config.discriminator, outputs: outputs,
                                         classes: config.model == .cgan ? config.classCount : 0, generator: rng)
        try dcganInit(model, generator: rng)
        // The projection embedding starts at N(0, 0.02) like the other discriminator weights.
        // With PyTorch's N(0, 1) default the projection term, a sum over 6272 features,
        // dominated the logit, and the first cGAN discriminator losses were about 40 (logits
        // near zero give 2·ln 2 ≈ 1.39).
        try model.embed?.weight.normal_(mean: 0, std: 0.02, generator: rng)
        return model
    }
}

/// A run's position: steps done and the next batch of the data order.
public struct TrainingPosition: Equatable, Sendable {
    /// Steps completed; one step is one real batch and one discriminator update.
    public var step: Int
    /// The epoch being trained, from 0.
    public var epoch: Int
    /// The next batch of that epoch, from 0.
    public var batch: Int

    public init(step: Int = 0, epoch: Int = 0, batch: Int = 0) {
        self.step = step
        self.epoch = epoch
        self.batch = batch
    }
}

/// Everything a run changes while it trains; a checkpoint is this state on disk.
final class GANState {
    let config: GANConfig
    let device: Device
    let generator: any ImageGenerator
    let discriminator: GANDiscriminator
    let generatorOptimizer: Adam
    let discriminatorOptimizer: Adam
    /// The exponential moving average of the generator weights, when enabled.
    let averaged: (any ImageGenerator)?
    /// Draws the training latents.
    let noise: Generator
    /// Latents of the sample grids: (columns, Z), or (columns², Z) for DCGAN; on the CPU.
    let gridNoise: Tensor
    var position = TrainingPosition()

    init(config: GANConfig) throws {
        try config.validate()
        self.config = config
        device = try config.computeDevice
        let rng = try Generator(seed: Seeds.derive(config.seed, "gan-init"))
        generator = try GANFactory.makeGenerator(config, rng: rng)
        discriminator = try GANFactory.makeDiscriminator(config, rng: rng)
        if config.emaDecay != nil {
            let copy = try GANFactory.makeGenerator(config, rng: rng)
            try copy.loadStateDict(Dictionary(uniqueKeysWithValues: generator.stateDict()))
            averaged = copy
        } else {
            averaged = nil
        }
        // NOTE: only the CPU path has run; moving to CUDA (and a CUDA noise generator) is
        // untested because no GPU was available.
        for module in [generator, discriminator] + (averaged.map { [$0] } ?? []) as [Module] {
            try module.move(to: device)
        }
        let betas = (config.beta1, config.beta2)
        generatorOptimizer = Adam(generator.parameters(), learningRate: config.learningRate, betas: betas)
        discriminatorOptimizer = Adam(discriminator.parameters(), learningRate: config.learningRate, betas: betas)
        noise = try Generator(seed: Seeds.derive(config.seed, "gan-noise"), device: device)
        let gridRNG = try Generator(seed: Seeds.derive(config.seed, "gan-grid"))
        let rows = config.model == .dcgan ? config.gridColumns : 1
        gridNoise = try Tensor.randn([rows * config.gridColumns, GANArchitecture.latentSize], generator: gridRNG)
    }

    /// The generator that samples for users: the moving average when enabled.
    var samplingGenerator: any ImageGenerator { averaged ?? generator }

    // MARK: - Moving average

    /// θ_avg ← d·θ_avg + (1 − d)·θ for parameters; buffers (batch-norm statistics) copied.
    /// The decay warms up as TensorFlow's `ExponentialMovingAverage` with `num_updates`
    /// does, d = min(decay, (1 + n) / (10 + n)) after n generator updates, so that the
    /// average follows the first steps instead of staying near the initial weights.
    func updateAverage() throws {
        guard let averaged, let target = config.emaDecay else { return }
        let updates = Double(position.step / config.discriminatorSteps)
        let decay = min(target, (1 + updates) / (10 + updates))
        try withNoGrad {
            for (target, source) in zip(averaged.parameters(), generator.parameters()) {
                _ = try StateOps.lerp(.tensor(target), .tensor(source), .double(1 - decay))
            }
            for ((_, target), (_, source)) in zip(averaged.namedBuffers(), generator.namedBuffers()) {
                try target.assign(source)
            }
        }
    }
}

enum StateOps {
    static let lerp = Op("aten::lerp_", "Scalar")
}
