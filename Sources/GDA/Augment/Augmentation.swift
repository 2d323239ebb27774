import Torch

// MARK: - Batches and parameters

/// The shape of a batch of images, (B, C, H, W).
public struct BatchShape: Sendable, Equatable {
    public var count: Int
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(count: Int, channels: Int, height: Int, width: Int) {
        self.count = count
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// The shape of `images`, which must be a floating-point (B, C, H, W) tensor.
    public init(of images: Tensor) throws {
        let shape = images.shape
        guard shape.count == 4, shape[1] > 0, shape[2] > 0, shape[3] > 0 else {
            throw GDAError("augmentation expects images shaped (B, C, H, W), found \(shape)")
        }
        guard images.dtype.isFloatingPoint else {
            throw GDAError("augmentation expects float images in [0, 1], found \(images.dtype)")
        }
        self.init(count: shape[0], channels: shape[1], height: shape[2], width: shape[3])
    }
}

/// The random values one transform used on a batch: which images it changed, and its
/// per-image parameters, each a tensor whose first dimension is the batch.
public struct TransformParameters: @unchecked Sendable {
    /// The transform's name, such as "rotation".
    public let name: String
    /// Bool (B): true for the images the transform changed.
    public let applied: Tensor
    /// Per-image values by name, such as "angle" in degrees, (B) float64.
    public let values: [String: Tensor]

    public init(name: String, applied: Tensor, values: [String: Tensor]) {
        self.name = name
        self.applied = applied
        self.values = values
    }

    /// Returns one named value, or throws when the transform did not record it.
    public func value(_ key: String) throws -> Tensor {
        guard let tensor = values[key] else {
            let known = values.keys.sorted().joined(separator: ", ")
            throw GDAError("\(name) parameters have no value '\(key)' (they have: \(known))")
        }
        return tensor
    }
}

/// The random values a pipeline used on a batch, one entry per transform in order. Passing
/// them to `AugmentPipeline.replay` reproduces the batch exactly.
public struct AugmentParameters: Sendable {
    public let transforms: [TransformParameters]

    public init(transforms: [TransformParameters]) {
        self.transforms = transforms
    }
}

// MARK: - Transforms

/// One random image transform on [0, 1] float batches (B, C, H, W), applied to each image
/// independently with `probability`.
///
/// A transform draws its per-image parameters from an explicit `Generator` on the
/// generator's device, then applies them with tensor operations on the batch's device.
public protocol Augmentation: Sendable {
    /// A short name recorded in the parameters, such as "rotation".
    var name: String { get }

    /// The chance, in [0, 1], that each image is transformed.
    var probability: Double { get }

    /// Draws the per-image parameters for a batch of `shape`, each with first dimension B.
    func drawValues(for shape: BatchShape, generator: Generator) throws -> [String: Tensor]

    /// Transforms every image of the batch with the per-image `values` (already on the
    /// batch's device).
    func transform(_ images: Tensor, values: [String: Tensor]) throws -> Tensor
}

extension Augmentation {
    /// Transforms each image with chance `probability`, drawing everything from `generator`.
    /// Returns the batch and the parameters that `replay` takes to do the same again.
    public func apply(_ images: Tensor, generator: Generator) throws -> (Tensor, TransformParameters) {
        let shape = try BatchShape(of: images)
        let draw = try Tensor.rand([shape.count], generator: generator, dtype: .float64,
                                   device: generator.device)
        let applied = try draw.lt(probability).to(images.device)
        var values: [String: Tensor] = [:]
        for (key, value) in try drawValues(for: shape, generator: generator) {
            values[key] = try value.to(images.device)
        }
        let parameters = TransformParameters(name: name, applied: applied, values: values)
        return (try replay(images, parameters: parameters), parameters)
    }

    /// Applies recorded parameters: the images marked applied get the transform with their
    /// values, the others pass through unchanged.
    public func replay(_ images: Tensor, parameters: TransformParameters) throws -> Tensor {
        let shape = try BatchShape(of: images)
        guard parameters.name == name else {
            throw GDAError("cannot replay \(parameters.name) parameters on a \(name) transform")
        }
        guard parameters.applied.shape == [shape.count] else {
            throw GDAError("\(name) parameters are for a batch of \(parameters.applied.shape), "
                + "the images are a batch of \(shape.count)")
        }
        guard shape.count > 0 else { return images }
        var values: [String: Tensor] = [:]
        for (key, value) in parameters.values {
            values[key] = try value.to(images.device)
        }
        let transformed = try transform(images, values: values)
        let applied = try AugmentOps.perImage(try parameters.applied.to(images.device))
        return try AugmentOps.select(applied, transformed, images)
    }
}

// MARK: - Drawing values

enum Draw {
    /// Draws uniform per-image values in `range`, (count) float64 on the generator's device.
    static func uniform(_ range: ClosedRange<Double>, count: Int, generator: Generator) throws -> Tensor {
        let unit = try Tensor.rand([count], generator: generator, dtype: .float64, device: generator.device)
        return try unit * (range.upperBound - range.lowerBound) + range.lowerBound
    }

    /// Draws Bernoulli values with chance `probability`, a bool tensor of `shape`.
    static func bernoulli(_ probability: Double, shape: [Int], generator: Generator) throws -> Tensor {
        let unit = try Tensor.rand(shape, generator: generator, dtype: .float64, device: generator.device)
        return try unit.lt(probability)
    }
}

// MARK: - Checking settings

/// Checks of transform settings: each failure is a configuration error naming the transform,
/// the setting, the value found and what is valid.
enum Check {
    static func probability(_ value: Double, _ transform: String) throws {
        guard value.isFinite, (0...1).contains(value) else {
            throw GDAError.config("\(transform): probability must be in [0, 1], found \(value)")
        }
    }

    /// Checks that a single value is finite and lies in `allowed`.
    static func value(_ value: Double, within allowed: ClosedRange<Double>, _ setting: String,
                      _ transform: String) throws {
        guard value.isFinite, allowed.contains(value) else {
            throw GDAError.config("\(transform): \(setting) must lie in [\(allowed.lowerBound), "
                + "\(allowed.upperBound)], found \(value)")
        }
    }

    /// Checks that a range's bounds are finite and lie in `allowed`.
    static func range(_ range: ClosedRange<Double>, within allowed: ClosedRange<Double>,
                      _ setting: String, _ transform: String) throws {
        guard range.lowerBound.isFinite, range.upperBound.isFinite,
              allowed.contains(range.lowerBound), allowed.contains(range.upperBound) else {
            throw GDAError.config("\(transform): \(setting) must lie in [\(allowed.lowerBound), "
                + "\(allowed.upperBound)], found \(range.lowerBound)...\(range.upperBound)")
        }
    }

    /// Checks that a range holds only strictly positive finite values.
    static func positive(_ range: ClosedRange<Double>, _ setting: String, _ transform: String) throws {
        guard range.lowerBound.isFinite, range.upperBound.isFinite, range.lowerBound > 0 else {
            throw GDAError.config("\(transform): \(setting) must be positive, found "
                + "\(range.lowerBound)...\(range.upperBound)")
        }
    }

    /// Checks that a range holds only non-negative finite values.
    static func nonNegative(_ range: ClosedRange<Double>, _ setting: String, _ transform: String) throws {
        guard range.lowerBound.isFinite, range.upperBound.isFinite, range.lowerBound >= 0 else {
            throw GDAError.config("\(transform): \(setting) must not be negative, found "
                + "\(range.lowerBound)...\(range.upperBound)")
        }
    }
}
