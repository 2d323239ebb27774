import Torch

/// The reference GAN and classifier, layer for layer, at the narrow widths of the fixtures that
/// scripts/fixtures/make_torch_fixtures.py writes. Only the tests use these: the product's
/// models live in the GDA library.
enum Reference {
    static let z = 8
    static let classes = 10
    static let trunk = 8
    static let mid = 4
    static let d1 = 4, d2 = 8

    /// linear → batch norm → ReLU → (trunk, 7, 7) → transposed conv → batch norm → ReLU.
    static func generatorTrunk(inputs: Int, generator: Generator) throws -> Sequential {
        Sequential(
            try Linear(inputs, trunk * 7 * 7, generator: generator), try BatchNorm(trunk * 7 * 7),
            ReLU(), Unflatten([trunk, 7, 7]),
            try ConvTranspose2d(trunk, mid, kernel: 4, stride: 2, padding: 1, generator: generator),
            try BatchNorm(mid), ReLU())
    }

    static func generatorHead(generator: Generator) throws -> Sequential {
        Sequential(
            try ConvTranspose2d(mid, 1, kernel: 4, stride: 2, padding: 1, generator: generator),
            Tanh())
    }
}

/// The DCGAN generator, or with `classes` > 0 the cGAN generator that concatenates a learned
/// label embedding to z.
final class ReferenceGenerator: Module {
    let embed: Embedding?
    let trunk: Sequential
    let head: Sequential

    init(classes: Int, generator: Generator) throws {
        embed = classes > 0 ? try Embedding(classes, classes, generator: generator) : nil
        trunk = try Reference.generatorTrunk(inputs: Reference.z + classes, generator: generator)
        head = try Reference.generatorHead(generator: generator)
        super.init()
        if let embed { registerModule("embed", embed) }
        registerModule("trunk", trunk)
        registerModule("head", head)
    }

    func callAsFunction(_ z: Tensor, _ labels: Tensor?) throws -> Tensor {
        var input = z
        if let embed, let labels { input = try Tensor.cat([z, try embed(labels)], dim: 1) }
        return try head(try trunk(input))
    }
}

/// K generators that share the trunk and differ in their last layer.
final class ReferenceMultiGenerator: Module {
    let trunk: Sequential
    let heads: Sequential

    init(k: Int, generator: Generator) throws {
        trunk = try Reference.generatorTrunk(inputs: Reference.z, generator: generator)
        heads = Sequential(try (0..<k).map { _ in try Reference.generatorHead(generator: generator) })
        super.init()
        registerModule("trunk", trunk)
        registerModule("heads", heads)
    }

    /// (k, b, z) → (k·b, 1, 28, 28), generator-major.
    override func forward(_ z: Tensor) throws -> Tensor {
        let (k, b) = (z.shape[0], z.shape[1])
        let h = try trunk(try z.reshape([k * b, Reference.z]))
            .reshape([k, b, Reference.mid, 14, 14])
        let images = try heads.layers.enumerated().map { index, head in
            try head(try h.select(dim: 0, index: index))
        }
        return try Tensor.cat(images)
    }
}

/// The discriminator; with `classes` > 0 it adds the projection term
/// sum(embed(y) * features) to the logit.
final class ReferenceDiscriminator: Module {
    let features: Sequential
    let out: Linear
    let embed: Embedding?

    init(outputs: Int, classes: Int, generator: Generator) throws {
        let (d1, d2) = (Reference.d1, Reference.d2)
        features = Sequential(
            try Conv2d(1, d1, kernel: 4, stride: 2, padding: 1, generator: generator),
            LeakyReLU(0.2),
            try Conv2d(d1, d2, kernel: 4, stride: 2, padding: 1, generator: generator),
            try BatchNorm(d2), LeakyReLU(0.2), Flatten())
        out = try Linear(d2 * 7 * 7, outputs, generator: generator)
        embed = classes > 0 ? try Embedding(classes, d2 * 7 * 7, generator: generator) : nil
        super.init()
        registerModule("features", features)
        registerModule("out", out)
        if let embed { registerModule("embed", embed) }
    }

    func callAsFunction(_ x: Tensor, _ labels: Tensor?) throws -> Tensor {
        let h = try features(x)
        var logits = try out(h)
        if let embed, let labels {
            logits = try logits + (try embed(labels) * h).sum(dims: [1], keepDim: true)
        }
        return logits
    }
}

/// Builds the classifier: two conv + ReLU + max-pool blocks, a hidden linear layer, dropout and
/// the logits.
func referenceClassifier(generator: Generator) throws -> Sequential {
    Sequential(
        try Conv2d(1, 4, kernel: 3, padding: 1, generator: generator), ReLU(), MaxPool2d(2),
        try Conv2d(4, 8, kernel: 3, padding: 1, generator: generator), ReLU(), MaxPool2d(2),
        Flatten(), try Linear(8 * 7 * 7, 16, generator: generator), ReLU(),
        Dropout(0.5, generator: generator), try Linear(16, Reference.classes, generator: generator))
}
