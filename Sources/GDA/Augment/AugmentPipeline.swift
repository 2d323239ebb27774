import Torch

/// Transforms applied one after another to [0, 1] float batches (B, C, H, W), on the batch's
/// device, with every random draw taken from the caller's `Generator`.
///
/// The same generator state gives the same batch. `apply` returns the parameters it drew, and
/// `replay` with those parameters reproduces the batch exactly without a generator.
public struct AugmentPipeline: Sendable {
    /// The transforms, in the order they run.
    public let transforms: [any Augmentation]

    public init(_ transforms: [any Augmentation]) {
        self.transforms = transforms
    }

    /// Runs every transform in order and returns the batch with the parameters drawn.
    public func apply(_ images: Tensor, generator: Generator) throws -> (Tensor, AugmentParameters) {
        _ = try BatchShape(of: images)
        var current = images
        var drawn: [TransformParameters] = []
        for transform in transforms {
            let (next, parameters) = try transform.apply(current, generator: generator)
            current = next
            drawn.append(parameters)
        }
        return (current, AugmentParameters(transforms: drawn))
    }

    /// Runs every transform in order with recorded parameters instead of new draws.
    public func replay(_ images: Tensor, parameters: AugmentParameters) throws -> Tensor {
        _ = try BatchShape(of: images)
        guard parameters.transforms.count == transforms.count else {
            throw GDAError("the parameters record \(parameters.transforms.count) transforms, "
                + "the pipeline has \(transforms.count)")
        }
        var current = images
        for (transform, recorded) in zip(transforms, parameters.transforms) {
            current = try transform.replay(current, parameters: recorded)
        }
        return current
    }

    /// Augments a batch, as the data loader calls it.
    public func callAsFunction(_ images: Tensor, _ generator: Generator) throws -> Tensor {
        try apply(images, generator: generator).0
    }

    /// The pipeline as the closure the data loader takes.
    public var batchTransform: @Sendable (Tensor, Generator) throws -> Tensor {
        let pipeline = self
        return { images, generator in try pipeline.apply(images, generator: generator).0 }
    }

    /// The transforms' names, in order.
    public var names: [String] { transforms.map(\.name) }
}
