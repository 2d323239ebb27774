import Foundation
import Torch

// Noise corruptions. Like the photometric transforms, each has a `clip` flag that clamps the
// output to [0, 1].

// MARK: - Gaussian noise

/// Adds independent N(0, std²) noise to every value, with std drawn per image uniformly from
/// `std`: out = x + std · n.
///
/// Values: "std" (B) and "noise" (B, C, H, W), the standard normal draws n.
public struct GaussianNoise: Augmentation {
    public let name = "gaussian-noise"
    public let std: ClosedRange<Double>
    public let probability: Double
    public let clip: Bool

    public init(std: ClosedRange<Double>, probability: Double = 1, clip: Bool = true) throws {
        try Check.nonNegative(std, "std", name)
        try Check.probability(probability, name)
        self.std = std
        self.probability = probability
        self.clip = clip
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        try Draw.noise(std, shape: shape, generator: generator)
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let std = try perImageFactor(try required(values, "std"), like: images)
        let noise = try required(values, "noise").to(images.device, dtype: images.dtype)
        return try clipped(try images + std * noise, clip)
    }
}

// MARK: - Speckle noise

/// Multiplicative noise, with std drawn per image uniformly from `std`: out = x + x · std · n
/// with n standard normal, so dark pixels stay nearly dark.
///
/// Values: "std" (B) and "noise" (B, C, H, W), the standard normal draws n.
public struct SpeckleNoise: Augmentation {
    public let name = "speckle-noise"
    public let std: ClosedRange<Double>
    public let probability: Double
    public let clip: Bool

    public init(std: ClosedRange<Double>, probability: Double = 1, clip: Bool = true) throws {
        try Check.nonNegative(std, "std", name)
        try Check.probability(probability, name)
        self.std = std
        self.probability = probability
        self.clip = clip
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        try Draw.noise(std, shape: shape, generator: generator)
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let std = try perImageFactor(try required(values, "std"), like: images)
        let noise = try required(values, "noise").to(images.device, dtype: images.dtype)
        return try clipped(try images + images * std * noise, clip)
    }
}

// MARK: - Salt and pepper

/// Sets exactly round(amount · H · W) pixel positions per image (numpy's round, half to even)
/// to white or black, all channels alike, with `amount` drawn per image uniformly from
/// `amount`. The positions are a uniform random subset; each hit is white (salt) with chance
/// `saltFraction`, else black (pepper).
///
/// Values: "amount" (B), "hits" bool (B, 1, H, W), the positions set, and "salt" bool
/// (B, 1, H, W), true where a hit is white.
public struct SaltAndPepper: Augmentation {
    public let name = "salt-and-pepper"
    public let amount: ClosedRange<Double>
    public let saltFraction: Double
    public let probability: Double
    public let clip: Bool

    public init(amount: ClosedRange<Double>, saltFraction: Double = 0.5, probability: Double = 1,
                clip: Bool = true) throws {
        try Check.range(amount, within: 0...1, "amount (fraction of the pixels)", name)
        try Check.value(saltFraction, within: 0...1, "salt fraction", name)
        try Check.probability(probability, name)
        self.amount = amount
        self.saltFraction = saltFraction
        self.probability = probability
        self.clip = clip
    }

    public func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor] {
        let (b, h, w) = (shape.count, shape.height, shape.width)
        let device = generator.device
        let fraction = try Draw.uniform(amount, count: b, generator: generator)
        let hitCount = try AugmentOps.round(try fraction * Double(h * w)).reshape([b, 1])

        // A random order of the positions per image; the first hitCount positions are hit.
        let scores = try Tensor.rand([b, h * w], generator: generator, dtype: .float64, device: device)
        let order = try AugmentOps.argsort(.tensor(scores), .int(1))
        let rank = try Tensor.arange(0, h * w, dtype: .float64, device: device).reshape([1, h * w])
        let chosen = try AugmentOps.lessThan(rank, hitCount).to(.float64).expand([b, h * w])
        let hits = try AugmentOps.scatterSource(
            .tensor(try Tensor.zeros([b, h * w], dtype: .float64, device: device)), .int(1),
            .tensor(order), .tensor(chosen)).gt(0.5)

        let salt = try Draw.bernoulli(saltFraction, shape: [b, h * w], generator: generator)
        return ["amount": fraction, "hits": try hits.reshape([b, 1, h, w]),
                "salt": try salt.reshape([b, 1, h, w])]
    }

    public func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor {
        let hits = try required(values, "hits")
        let white = try required(values, "salt").to(images.device, dtype: images.dtype)
        return try clipped(try AugmentOps.select(hits, white, images), clip)
    }
}

// MARK: - Shared helpers

extension Draw {
    /// Draws a per-image std from `range` and standard normal noise of the batch's shape.
    static func noise(_ range: ClosedRange<Double>, shape: BatchShape,
                      generator: Generator) throws -> [String: Tensor] {
        let std = try uniform(range, count: shape.count, generator: generator)
        let noise = try Tensor.randn([shape.count, shape.channels, shape.height, shape.width],
                                     generator: generator, dtype: .float32, device: generator.device)
        return ["std": std, "noise": noise]
    }
}
