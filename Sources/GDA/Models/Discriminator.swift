import Torch

/// The discriminator: convolutional features, then a linear layer to `outputs` logits.
/// State-dict names: `features.N.*`, `out.*` and, for a projection discriminator,
/// `embed.weight`, as the PyTorch reference module names them.
public final class GANDiscriminator: Module {
    public let shape: ImageShape
    public let kind: DiscriminatorKind
    /// Logits per image: 1, or K + 1 for a multiclass (MADGAN) discriminator.
    public let outputCount: Int
    public let classCount: Int
    let features: Sequential
    let out: Linear
    let embed: Embedding?

    /// - Parameters:
    ///   - kind: `.binary` and `.multiclass` ignore labels; `.projection` and `.concat` need
    ///     `classes > 0`.
    ///   - outputs: logits per image; `.multiclass` needs K + 1, the others 1.
    public init(shape: ImageShape, kind: DiscriminatorKind, outputs: Int = 1, classes: Int = 0,
                generator: Generator) throws
    {
        try GANArchitecture.validate(shape)
        let conditional = kind == .projection || kind == .concat
        guard !conditional || classes > 0 else {
            throw GDAError.config("a \(kind.rawValue) discriminator needs at least one class")
        }
        guard kind == .multiclass ? outputs >= 2 : outputs == 1 else {
            throw GDAError.config("a \(kind.rawValue) discriminator cannot have \(outputs) outputs")
        }
        self.shape = shape
        self.kind = kind
        outputCount = outputs
        classCount = conditional ? classes : 0
        let (layers, width) = try GANArchitecture.discriminatorFeatures(
            shape, extraInputs: kind == .concat ? classes : 0, generator: generator)
        features = Sequential(layers)
        out = try Linear(width, outputs, generator: generator)
        embed = kind == .projection ? try Embedding(classes, width, generator: generator) : nil
        super.init()
        registerModule("features", features)
        registerModule("out", out)
        if let embed { registerModule("embed", embed) }
    }

    /// Logits (N, outputs) for images (N, C, H, W); `labels` (N, int64) for a conditional one.
    public func logits(_ images: Tensor, labels: Tensor? = nil) throws -> Tensor {
        switch kind {
        case .binary, .multiclass:
            return try out(try features(images))
        case .concat:
            let planes = try labelPlanes(try requireLabels(labels), like: images)
            return try out(try features(try Tensor.cat([images, planes], dim: 1)))
        case .projection:
            let h = try features(images)  // (N, F)
            // Projection: logit = out(h) + ⟨embed(y), h⟩.
            let projection = try (try embed.unwrap()(try requireLabels(labels)) * h)
                .sum(dims: [1], keepDim: true)
            return try out(h) + projection
        }
    }

    private func requireLabels(_ labels: Tensor?) throws -> Tensor {
        guard let labels else { throw GDAError("a \(kind.rawValue) discriminator needs labels") }
        return labels
    }

    /// One-hot label planes (N, classes, H, W) in the images' dtype and device.
    private func labelPlanes(_ labels: Tensor, like images: Tensor) throws -> Tensor {
        let n = images.shape[0]
        let oneHot = try GANOps.oneHot(.tensor(labels), .int(classCount)).to(images.device, dtype: images.dtype)
        return try oneHot.reshape([n, classCount, 1, 1]).expand([n, classCount, shape.height, shape.width])
    }
}

extension Optional {
    /// The wrapped value; a nil here is a bug in gda, reported as an error rather than a crash.
    func unwrap(_ what: @autoclosure () -> String = "value") throws -> Wrapped {
        guard let value = self else { throw GDAError("internal error: missing \(what())") }
        return value
    }
}
