import Torch

/// A network that maps images to feature vectors, and optionally to class probabilities,
/// for the generator metrics. FID, KID, precision and recall, and density and coverage use
/// the features. The Inception Score uses the probabilities.
///
/// Images are uint8 tensors (N, C, H, W) with values 0...255, on any device; the network
/// moves them where it runs and does its own resizing and normalisation.
public protocol FeatureNetwork {
    /// Features of `images`: a floating-point (N, D) tensor.
    func features(_ images: Tensor) throws -> Tensor

    /// Class probabilities of `images`, (N, classes) with rows summing to 1, or nil when
    /// the network has no classifier head.
    func probabilities(_ images: Tensor) throws -> Tensor?

    /// Features and, when `probabilities` is true and the network has a head, class
    /// probabilities of `images`. The default calls `features` and `probabilities`; a
    /// network that computes both in one forward pass should override it.
    func outputs(_ images: Tensor, probabilities: Bool) throws -> FeatureOutputs
}

extension FeatureNetwork {
    public func outputs(_ images: Tensor, probabilities wanted: Bool) throws -> FeatureOutputs {
        FeatureOutputs(features: try features(images), probabilities: wanted ? try probabilities(images) : nil)
    }
}

/// The outputs of a feature network for one batch.
public struct FeatureOutputs: @unchecked Sendable {
    /// (N, D) floating point.
    public let features: Tensor
    /// (N, classes) class probabilities, or nil.
    public let probabilities: Tensor?

    public init(features: Tensor, probabilities: Tensor?) {
        self.features = features
        self.probabilities = probabilities
    }
}

// MARK: - Input checks

extension Tensor {
    /// Throws unless this is a uint8 (N, C, H, W) batch with `channels` among the allowed
    /// channel counts.
    func checkImageBatch(channels allowed: Set<Int>, name: String = "images") throws {
        guard rank == 4, dtype == .uint8 else {
            throw GDAError("\(name) must be a uint8 (N, C, H, W) tensor with values 0...255, "
                + "found \(dtype) of shape \(shape)")
        }
        guard allowed.contains(shape[1]) else {
            throw GDAError("\(name) must have \(allowed.sorted().map(String.init).joined(separator: " or ")) "
                + "channels, found \(shape[1]) (shape \(shape))")
        }
        guard shape[0] > 0 else { throw GDAError("\(name) is an empty batch: shape \(shape)") }
    }
}
