import Testing
import Torch

/// Single layers against PyTorch. Each fixture case contains the layer's state dict,
/// an input, a random cotangent c, the output y, the loss sum(y * c), the gradients of every
/// parameter and of the input, and the state dict after the forward pass.
@Suite struct LayerFixtureTests {
    static let cases = [
        "linear", "linear_nobias", "conv2d", "conv2d_groups", "conv_transpose2d",
        "conv_transpose2d_groups", "batchnorm1d_train", "batchnorm1d_eval", "batchnorm2d_train",
        "batchnorm2d_eval", "embedding", "maxpool2d", "maxpool2d_k3s2", "leaky_relu", "relu",
        "tanh", "sigmoid", "dropout_p0_train", "dropout_eval", "unflatten", "flatten",
    ]

    /// Builds the Swift layer of each case as the fixture script builds the PyTorch one. The
    /// weights come from the fixture, so the generator only fills them until they are loaded.
    static func makeLayer(_ name: String) throws -> (layer: Module, training: Bool) {
        let generator = try Generator(seed: 0)
        switch name {
        case "linear": return (try Linear(5, 3, generator: generator), true)
        case "linear_nobias": return (try Linear(5, 3, bias: false, generator: generator), true)
        case "conv2d":
            return (try Conv2d(3, 4, kernel: 3, stride: 2, padding: 1, generator: generator), true)
        case "conv2d_groups":
            return (try Conv2d(4, 6, kernel: 3, padding: 1, groups: 2, generator: generator), true)
        case "conv_transpose2d":
            return (try ConvTranspose2d(4, 3, kernel: 4, stride: 2, padding: 1, generator: generator),
                    true)
        case "conv_transpose2d_groups":
            return (try ConvTranspose2d(4, 6, kernel: 3, stride: 2, padding: 1, groups: 2,
                                        generator: generator), true)
        case "batchnorm1d_train": return (try BatchNorm(5), true)
        case "batchnorm1d_eval": return (try BatchNorm(5), false)
        case "batchnorm2d_train": return (try BatchNorm(3, momentum: 0.3), true)
        case "batchnorm2d_eval": return (try BatchNorm(3), false)
        case "embedding": return (try Embedding(7, 4, generator: generator), true)
        case "maxpool2d": return (MaxPool2d(2), true)
        case "maxpool2d_k3s2": return (MaxPool2d(3, stride: 2), true)
        case "leaky_relu": return (LeakyReLU(0.2), true)
        case "relu": return (ReLU(), true)
        case "tanh": return (Tanh(), true)
        case "sigmoid": return (Sigmoid(), true)
        case "dropout_p0_train": return (Dropout(0, generator: generator), true)
        case "dropout_eval": return (Dropout(0.5, generator: generator), false)
        case "unflatten": return (Unflatten([2, 3]), true)
        case "flatten": return (Flatten(), true)
        default: throw TorchError("no Swift layer for fixture case \(name)")
        }
    }

    @Test(arguments: cases)
    func layerMatchesPyTorch(_ name: String) throws {
        let fixture = try Fixture.load("layers").scoped(name)
        let (layer, training) = try Self.makeLayer(name)
        try layer.loadStateDict(fixture.scoped("state").values, strict: true)
        layer.train(training)

        let input = try fixture["input"]
        let x = input.dtype.isFloatingPoint ? try input.clone().requiringGrad() : input
        let y = try layer(x)
        let loss = try (y * fixture["cotangent"]).sum()
        try loss.backward()

        try expectClose(y, try fixture["output"], "\(name) output")
        try expectClose(loss, try fixture["loss"], "\(name) loss")
        let grads = fixture.scoped("grad")
        try expectAllClose(layer.namedGradients(), grads.removing("input"), "\(name) gradient")
        if input.dtype.isFloatingPoint {
            try expectClose(x.grad, try grads["input"], "\(name) input gradient")
        }
        try expectAllClose(layer.stateDict(), fixture.scoped("after"), "\(name) state after")
    }
}

/// Losses against `torch.nn.functional`, for each reduction; the gradient is that of
/// sum(loss * c) for a random cotangent c.
@Suite struct LossFixtureTests {
    @Test(arguments: [Reduction.none, .mean, .sum])
    func bceWithLogitsMatchesPyTorch(_ reduction: Reduction) throws {
        let fixture = try Fixture.load("losses").scoped("bce")
        let expected = fixture.scoped("\(reduction)")
        let logits = try fixture["logits"].clone().requiringGrad()
        let loss = try binaryCrossEntropyWithLogits(logits, fixture["targets"],
                                                          reduction: reduction)
        try (loss * expected["cotangent"]).sum().backward()
        try expectClose(loss, try expected["output"], "bce \(reduction) output")
        try expectClose(logits.grad, try expected["grad"], "bce \(reduction) gradient")
    }

    @Test(arguments: [("none", Reduction.none, 0.0), ("mean", .mean, 0), ("sum", .sum, 0),
                      ("smooth", .mean, 0.1)])
    func crossEntropyMatchesPyTorch(_ name: String, _ reduction: Reduction, _ smoothing: Double) throws {
        let fixture = try Fixture.load("losses").scoped("ce")
        let expected = fixture.scoped(name)
        let logits = try fixture["logits"].clone().requiringGrad()
        let loss = try crossEntropy(logits, fixture["labels"], reduction: reduction,
                                          labelSmoothing: smoothing)
        try (loss * expected["cotangent"]).sum().backward()
        try expectClose(loss, try expected["output"], "cross-entropy \(name) output")
        try expectClose(logits.grad, try expected["grad"], "cross-entropy \(name) gradient")
    }
}

/// Default initialisation: a layer built from `Generator(seed: s)` contains the values that
/// PyTorch's layer contains right after `torch.manual_seed(s)`, because both draw from
/// libtorch's CPU generator in the same order with the same bounds.
@Suite struct DefaultInitTests {
    static func makeLayer(_ name: String, _ generator: Generator) throws -> Module {
        switch name {
        case "linear": return try Linear(20, 7, generator: generator)
        case "conv2d": return try Conv2d(3, 5, kernel: 3, generator: generator)
        case "conv2d_groups": return try Conv2d(4, 6, kernel: 3, groups: 2, generator: generator)
        case "conv_transpose2d":
            return try ConvTranspose2d(4, 16, kernel: 4, stride: 2, padding: 1, generator: generator)
        case "conv_transpose2d_groups":
            return try ConvTranspose2d(4, 6, kernel: 3, groups: 2, generator: generator)
        case "embedding": return try Embedding(6, 5, generator: generator)
        default: throw TorchError("no Swift layer for fixture case \(name)")
        }
    }

    @Test(arguments: [("linear", 11), ("conv2d", 12), ("conv2d_groups", 13),
                      ("conv_transpose2d", 14), ("conv_transpose2d_groups", 15),
                      ("embedding", 16)] as [(String, UInt64)])
    func initMatchesPyTorch(_ name: String, _ seed: UInt64) throws {
        let expected = try Fixture.load("init").scoped(name)
        let layer = try Self.makeLayer(name, try Generator(seed: seed))
        try expectAllClose(layer.stateDict(), expected, rtol: 1e-6, atol: 1e-7, "\(name) init")
    }
}
