import Torch

/// The shape of one image, C×H×W.
public struct ImageShape: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// 1×28×28: MNIST and Fashion-MNIST.
    public static let grey28 = ImageShape(channels: 1, height: 28, width: 28)
    /// 3×32×32: CIFAR-10.
    public static let colour32 = ImageShape(channels: 3, height: 32, width: 32)

    public var description: String { "\(channels)×\(height)×\(width)" }
}

/// The GAN families gda trains.
public enum GANModel: String, Codable, CaseIterable, Sendable {
    /// One unconditional generator and a real/fake discriminator (Radford et al. 2016).
    case dcgan
    /// A label-conditioned generator and discriminator.
    case cgan
    /// K generators sharing a trunk, and a discriminator that also tells which generator
    /// made a fake (Ghosh et al. 2018, "Multi-Agent Diverse Generative Adversarial Networks").
    case madgan
}

/// How the discriminator sees labels or generators.
public enum DiscriminatorKind: String, Codable, CaseIterable, Sendable {
    /// One logit, real versus fake (DCGAN, and the MADGAN ablation).
    case binary
    /// K+1 logits: class i for generator i, class K for real (MADGAN).
    case multiclass
    /// One logit plus the inner product of a label embedding with the features
    /// (Miyato & Koyama 2018, "cGANs with Projection Discriminator").
    case projection
    /// One logit on the image with one-hot label planes concatenated as extra input channels.
    case concat

    /// The kinds each model accepts; the first is its default.
    public static func allowed(for model: GANModel) -> [DiscriminatorKind] {
        switch model {
        case .dcgan: [.binary]
        case .cgan: [.projection, .concat]
        case .madgan: [.multiclass, .binary]
        }
    }
}

/// The reference layer stacks. Each generator is a list of blocks, and the last block (the
/// output transposed convolution and tanh) is the one a MADGAN head owns by default.
///
/// 1×28×28: z → linear 128·7·7 → BN → ReLU → (128, 7, 7) → convT 128→64 → BN → ReLU →
/// convT 64→1 → tanh. 3×32×32 adds one block: z → linear 256·4·4 → ... → convT 256→128 →
/// convT 128→64 → convT 64→3. Every transposed convolution is kernel 4, stride 2, padding 1.
/// Discriminators mirror them with convolutions (kernel 4, stride 2, padding 1), leaky ReLU
/// 0.2 and batch norm after every convolution but the first.
public enum GANArchitecture {
    /// Length of the latent vector z.
    public static let latentSize = 100

    /// Shapes gda has reference layers for.
    public static let supportedShapes: [ImageShape] = [.grey28, .colour32]

    /// Throws a configuration error for a shape without reference layers.
    public static func validate(_ shape: ImageShape) throws {
        guard supportedShapes.contains(shape) else {
            throw GDAError.config(
                "GAN models exist for 1×28×28 and 3×32×32 images, the dataset has \(shape) images")
        }
    }

    /// Channel counts of the feature maps, from the linear layer's output (smallest spatial
    /// size) to the last hidden layer, and that smallest spatial size.
    static func widths(_ shape: ImageShape) -> (channels: [Int], base: Int) {
        shape.height == 32 ? ([256, 128, 64], 4) : ([128, 64], 7)
    }

    /// Number of generator blocks: one per upsampling step plus the input block.
    public static func generatorBlockCount(_ shape: ImageShape) -> Int {
        widths(shape).channels.count + 1
    }

    /// The generator's blocks, in order: [linear, BN, ReLU, unflatten], then
    /// [convT, BN, ReLU] per hidden upsampling, then [convT, tanh].
    static func generatorBlocks(_ shape: ImageShape, inputs: Int, generator: Generator) throws
        -> [[Module]]
    {
        let (channels, base) = widths(shape)
        let flat = channels[0] * base * base
        var blocks: [[Module]] = [[
            try Linear(inputs, flat, generator: generator), try BatchNorm(flat), ReLU(inPlace: true),
            Unflatten([channels[0], base, base]),
        ]]
        for (input, output) in zip(channels, channels.dropFirst()) {
            blocks.append([
                try ConvTranspose2d(input, output, kernel: 4, stride: 2, padding: 1,
                                    generator: generator),
                try BatchNorm(output), ReLU(inPlace: true),
            ])
        }
        blocks.append([
            try ConvTranspose2d(channels[channels.count - 1], shape.channels, kernel: 4, stride: 2,
                                padding: 1, generator: generator),
            Tanh(),
        ])
        return blocks
    }

    /// The discriminator's feature layers ending in a flatten, and the flattened width.
    /// `extraInputs` adds input channels (the one-hot label planes of a concat discriminator).
    static func discriminatorFeatures(_ shape: ImageShape, extraInputs: Int = 0,
                                      generator: Generator) throws -> ([Module], Int)
    {
        let (channels, base) = widths(shape)
        let ascending = Array(channels.reversed())
        var layers: [Module] = [
            try Conv2d(shape.channels + extraInputs, ascending[0], kernel: 4, stride: 2, padding: 1,
                       generator: generator),
            LeakyReLU(0.2, inPlace: true),
        ]
        for (input, output) in zip(ascending, ascending.dropFirst()) {
            layers += [
                try Conv2d(input, output, kernel: 4, stride: 2, padding: 1, generator: generator),
                try BatchNorm(output), LeakyReLU(0.2, inPlace: true),
            ]
        }
        layers.append(Flatten())
        return (layers, ascending[ascending.count - 1] * base * base)
    }
}

/// Submodules named "0", "1", ... as in `nn.ModuleList`; it has no forward of its own.
final class ModuleList: Module {
    let items: [Module]

    init(_ items: [Module]) {
        self.items = items
        super.init()
        for (index, item) in items.enumerated() { registerModule(String(index), item) }
    }
}
