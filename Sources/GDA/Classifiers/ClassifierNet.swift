import Torch

/// The reference image classifier: convolution blocks (3×3 convolution, ReLU, 2×2 max-pool)
/// of 32 and 64 channels, then 128 hidden units with dropout 0.5 and a linear layer to the
/// classes. 32×32 colour input gets a third block of 128 channels, so both sizes end at a
/// small feature map before the linear layers.
public final class ClassifierNet: Module {
    public let features: Sequential
    public let hidden: Sequential
    public let head: Linear
    public let channels: Int, size: Int, classes: Int

    /// Features from the penultimate layer (after the hidden ReLU, before dropout).
    public static let featureDimension = 128

    /// - Parameter dropout: the hidden layer's dropout probability; 0 makes training steps
    ///   free of randomness. The state dict is the same either way.
    public init(channels: Int, size: Int, classes: Int, dropout: Double = 0.5, generator: Generator) throws {
        self.channels = channels
        self.size = size
        self.classes = classes
        var layers: [Module] = []
        var width = channels
        var side = size
        let blocks = size >= 32 ? [32, 64, 128] : [32, 64]
        for outputs in blocks {
            layers += [try Conv2d(width, outputs, kernel: 3, padding: 1, generator: generator), ReLU(inPlace: true),
                       MaxPool2d(2)]
            width = outputs
            side /= 2
        }
        layers.append(Flatten())
        features = Sequential(layers)
        hidden = Sequential(try Linear(width * side * side, Self.featureDimension, generator: generator),
                            ReLU(inPlace: true), Dropout(dropout, generator: generator))
        head = try Linear(Self.featureDimension, classes, generator: generator)
        super.init()
        registerModule("features", features)
        registerModule("hidden", hidden)
        registerModule("head", head)
    }

    /// Class logits (B, classes) for normalised images (B, C, H, W).
    public override func forward(_ input: Tensor) throws -> Tensor {
        try head(hidden(features(input)))
    }

    /// Penultimate features (B, 128): the hidden layer's output before dropout.
    public func embedding(_ input: Tensor) throws -> Tensor {
        let flat = try features(input)
        return try hidden.layers[1](hidden.layers[0](flat))
    }
}
