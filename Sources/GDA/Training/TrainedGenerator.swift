import Foundation
import Torch

/// Images drawn from a trained generator.
public struct SampleBatch {
    /// uint8 (N, C, H, W), converted from GAN space by `ImageSpace.ganToBytes`.
    public let images: Tensor
    /// float32 (N, Z), the latent vector of each image, on the CPU.
    public let latents: Tensor
    /// cGAN: the label each image was generated for.
    public let labels: [Int32]?
    /// MADGAN: the generator that made each image.
    public let generators: [Int32]?
}

/// A generator ready to sample, in evaluation mode: batch norm uses its running statistics,
/// so each image depends on its own latent vector (and label) alone, whatever else is in
/// the batch. Latents come from a generator seeded by the caller, never from global state.
public final class TrainedGenerator {
    public let config: GANConfig
    public let model: any ImageGenerator
    /// Training steps behind these weights.
    public let step: Int
    public let device: Device
    /// Images generated per forward pass; sampling more splits the work.
    public var chunkSize = 256

    public init(config: GANConfig, model: any ImageGenerator, step: Int) throws {
        self.config = config
        self.model = model
        self.step = step
        device = try config.computeDevice
        model.eval()
    }

    /// Copies `model`'s current weights, so that training can go on while the copy samples.
    static func snapshot(of model: any ImageGenerator, config: GANConfig, step: Int) throws -> TrainedGenerator {
        let copy = try GANFactory.makeGenerator(config, rng: try Generator(seed: 0))
        try copy.move(to: try config.computeDevice)
        try withNoGrad {
            for ((_, target), (_, source)) in zip(copy.stateDict(), model.stateDict()) {
                try target.assign(source)
            }
        }
        return try TrainedGenerator(config: config, model: copy, step: step)
    }

    // MARK: - Sampling

    /// `count` images. MADGAN: each image picks its generator uniformly, then its latent.
    /// cGAN: labels cycle through the classes (0, 1, ..., 0, 1, ...), balanced to within one.
    public func sample(count: Int, seed: UInt64) throws -> SampleBatch {
        let rng = try Generator(seed: seed)
        switch config.model {
        case .dcgan:
            let z = try Tensor.randn([count, GANArchitecture.latentSize], generator: rng)
            return SampleBatch(images: try bytes(z, labels: nil, generators: nil), latents: z, labels: nil,
                               generators: nil)
        case .cgan:
            let labels = (0..<count).map { Int32($0 % config.classCount) }
            return try sample(labels: labels, rng: rng)
        case .madgan:
            let k = try Tensor.randint(0, config.generators, shape: [count], generator: rng)
            let z = try Tensor.randn([count, GANArchitecture.latentSize], generator: rng)
            return SampleBatch(images: try bytes(z, labels: nil, generators: k), latents: z, labels: nil,
                               generators: try k.scalars(as: Int32.self))
        }
    }

    /// cGAN: one image per requested label.
    public func sample(labels: [Int32], seed: UInt64) throws -> SampleBatch {
        try sample(labels: labels, rng: try Generator(seed: seed))
    }

    /// cGAN: `countPerClass` images of each class, class after class.
    public func sample(countPerClass: Int, seed: UInt64) throws -> SampleBatch {
        let labels = (0..<config.classCount).flatMap { Array(repeating: Int32($0), count: countPerClass) }
        return try sample(labels: labels, seed: seed)
    }

    /// MADGAN: `countPerGenerator` images from each generator, generator after generator.
    public func sample(countPerGenerator: Int, seed: UInt64) throws -> SampleBatch {
        guard config.model == .madgan else {
            throw GDAError.config("sampling per generator needs a madgan run, this is a \(config.model.rawValue) run")
        }
        let rng = try Generator(seed: seed)
        let indices = (0..<config.generators).flatMap { Array(repeating: Int32($0), count: countPerGenerator) }
        let z = try Tensor.randn([indices.count, GANArchitecture.latentSize], generator: rng)
        let k = try Tensor(indices.map(Int64.init))
        return SampleBatch(images: try bytes(z, labels: nil, generators: k), latents: z, labels: nil,
                           generators: indices)
    }

    private func sample(labels: [Int32], rng: Generator) throws -> SampleBatch {
        guard config.model == .cgan else {
            throw GDAError.config("sampling by label needs a cgan run, this is a \(config.model.rawValue) run")
        }
        if let bad = labels.first(where: { $0 < 0 || Int($0) >= config.classCount }) {
            throw GDAError.config("label \(bad) is outside the \(config.classCount) classes 0...\(config.classCount - 1)")
        }
        let z = try Tensor.randn([labels.count, GANArchitecture.latentSize], generator: rng)
        let y = try Tensor(labels.map(Int64.init))
        return SampleBatch(images: try bytes(z, labels: y, generators: nil), latents: z, labels: labels,
                           generators: nil)
    }

    /// GAN-space images (N, C, H, W) on the CPU for given latents (N, Z) and, as the model
    /// needs, labels or generator indices (N, int64).
    public func images(latents: Tensor, labels: Tensor?, generators: Tensor?) throws -> Tensor {
        let n = latents.shape[0]
        var chunks: [Tensor] = []
        try withNoGrad {
            for start in stride(from: 0, to: n, by: max(chunkSize, 1)) {
                let end = min(n, start + chunkSize)
                let z = try latents.slice(dim: 0, start: start, end: end).to(device)
                let output: Tensor
                if let multi = model as? MultiGenerator {
                    guard let generators else { throw GDAError("a MADGAN sample needs generator indices") }
                    output = try multi.generate(z, generators: try generators.slice(dim: 0, start: start, end: end))
                } else {
                    let y = try labels.map { try $0.slice(dim: 0, start: start, end: end).to(device) }
                    output = try model.generate(z, labels: y)
                }
                chunks.append(try output.to(.cpu))
            }
        }
        guard !chunks.isEmpty else {
            let shape = config.imageShape
            return try Tensor.zeros([0, shape.channels, shape.height, shape.width])
        }
        return try Tensor.cat(chunks, dim: 0)
    }

    private func bytes(_ latents: Tensor, labels: Tensor?, generators: Tensor?) throws -> Tensor {
        try ImageSpace.ganToBytes(try images(latents: latents, labels: labels, generators: generators))
    }

    // MARK: - Grids

    /// A sample grid from `noise` (columns, Z): one row per generator (MADGAN) or class
    /// (cGAN), each column one latent vector across rows. DCGAN: `noise` fills the grid.
    public func grid(noise: Tensor, columns: Int) throws -> Image {
        let n = noise.shape[0]
        let rows: Int
        var labels: Tensor?
        var generators: Tensor?
        var latents = noise
        switch config.model {
        case .dcgan:
            rows = (n + columns - 1) / columns
        case .cgan, .madgan:
            rows = config.model == .cgan ? config.classCount : config.generators
            latents = try noise.repeated([rows, 1])
            let rowIndex = try Tensor.arange(0, rows).repeatInterleave(n, dim: 0)
            if config.model == .cgan { labels = rowIndex } else { generators = rowIndex }
        }
        let images = try bytes(latents, labels: labels, generators: generators)
        return try ImageGrid.make(images, columns: config.model == .dcgan ? columns : n, padding: 2,
                                  background: 255)
    }
}

/// Opens a finished or running training run for sampling.
public enum GANRun {
    /// The run's latest generator (its moving average when the run keeps one) from
    /// `RUN/checkpoints/generator.safetensors`, in evaluation mode.
    public static func load(_ folder: String, device: Device = .cpu) throws -> TrainedGenerator {
        var config = try GANConfig.read("\(folder)/config.json")
        config.device = device.description
        try config.validate()
        let path = "\(GANCheckpoint.folder(folder))/generator.safetensors"
        guard FileManager.default.fileExists(atPath: path) else {
            throw GDAError.config("\(path) not found: the run has no checkpoint yet")
        }
        let (tensors, metadata) = try GANCheckpoint.wrap { try SafeTensors.load(path) }
        let model = try GANFactory.makeGenerator(config, rng: try Generator(seed: 0))
        try GANCheckpoint.load(model, tensors, "generator", path)
        try model.move(to: device)
        return try TrainedGenerator(config: config, model: model, step: metadata["step"].flatMap(Int.init) ?? 0)
    }
}

extension TrainedGenerator {
    /// The latest generator of the run in `folder`; the same as `GANRun.load`.
    public static func load(_ folder: String, device: Device = .cpu) throws -> TrainedGenerator {
        try GANRun.load(folder, device: device)
    }
}
