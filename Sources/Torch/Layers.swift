import Foundation

enum LayerOps {
    static let linear = Op("aten::linear")
    static let conv2d = Op("aten::conv2d")
    static let convTranspose2d = Op("aten::conv_transpose2d", "input")
    static let batchNorm = Op("aten::batch_norm")
    static let embedding = Op("aten::embedding")
    static let maxPool2d = Op("aten::max_pool2d")
    static let bernoulli = Op("aten::bernoulli", "p")
    static let addInPlace = Op("aten::add_", "Scalar")
}

/// PyTorch's default initialisation of a weight and bias: U(-1/√fan_in, 1/√fan_in), which is
/// what `kaiming_uniform_(a=√5)` gives.
func defaultInit(_ tensors: [Tensor], fanIn: Int, generator: Generator) throws {
    let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
    for tensor in tensors { try tensor.uniform_(-bound, bound, generator: generator) }
}

/// y = x Wᵀ + b.
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inputs: Int, _ outputs: Int, bias: Bool = true, generator: Generator) throws {
        weight = try Tensor.zeros([outputs, inputs])
        self.bias = bias ? try Tensor.zeros([outputs]) : nil
        super.init()
        try defaultInit([weight] + (self.bias.map { [$0] } ?? []), fanIn: inputs, generator: generator)
        try registerParameter("weight", weight)
        if let b = self.bias { try registerParameter("bias", b) }
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try LayerOps.linear(.tensor(input), .tensor(weight), bias.map { .tensor($0) } ?? .none)
    }
}

/// A 2-D convolution over NCHW input.
public final class Conv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int, padding: Int, groups: Int

    public init(_ inputs: Int, _ outputs: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                groups: Int = 1, bias: Bool = true, generator: Generator) throws {
        precondition(inputs % groups == 0 && outputs % groups == 0, "channels must divide into groups")
        weight = try Tensor.zeros([outputs, inputs / groups, kernel, kernel])
        self.bias = bias ? try Tensor.zeros([outputs]) : nil
        self.stride = stride
        self.padding = padding
        self.groups = groups
        super.init()
        try defaultInit([weight] + (self.bias.map { [$0] } ?? []),
                        fanIn: inputs / groups * kernel * kernel, generator: generator)
        try registerParameter("weight", weight)
        if let b = self.bias { try registerParameter("bias", b) }
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        if let output = try ConvolutionKernels.convolution(input, weight: weight, bias: bias, stride: stride,
                                                           padding: padding, groups: groups) {
            return output
        }
        return try LayerOps.conv2d(.tensor(try ConvolutionKernels.oneDNNInput(input)), .tensor(weight),
                                   bias.map { .tensor($0) } ?? .none,
                            .ints([stride, stride]), .ints([padding, padding]), .ints([1, 1]),
                            .int(groups))
    }
}

/// A 2-D transposed convolution over NCHW input; the weight is (in, out / groups, k, k).
public final class ConvTranspose2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int, padding: Int, groups: Int

    public init(_ inputs: Int, _ outputs: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                groups: Int = 1, bias: Bool = true, generator: Generator) throws {
        precondition(inputs % groups == 0 && outputs % groups == 0, "channels must divide into groups")
        weight = try Tensor.zeros([inputs, outputs / groups, kernel, kernel])
        self.bias = bias ? try Tensor.zeros([outputs]) : nil
        self.stride = stride
        self.padding = padding
        self.groups = groups
        super.init()
        try defaultInit([weight] + (self.bias.map { [$0] } ?? []),
                        fanIn: outputs / groups * kernel * kernel, generator: generator)
        try registerParameter("weight", weight)
        if let b = self.bias { try registerParameter("bias", b) }
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        if let output = try ConvolutionKernels.transposedConvolution(
            input, weight: weight, bias: bias, stride: stride, padding: padding, groups: groups) {
            return output
        }
        return try LayerOps.convTranspose2d(.tensor(try ConvolutionKernels.oneDNNInput(input)), .tensor(weight),
                                            bias.map { .tensor($0) } ?? .none,
                                     .ints([stride, stride]), .ints([padding, padding]), .ints([0, 0]),
                                     .int(groups), .ints([1, 1]))
    }
}

/// Batch normalisation over dimension 1 of (N, C) or (N, C, H, W) input, with running
/// statistics used in evaluation mode.
public final class BatchNorm: Module {
    public let weight: Tensor, bias: Tensor
    public let runningMean: Tensor, runningVar: Tensor, batchesTracked: Tensor
    public let momentum: Double, epsilon: Double

    public init(_ features: Int, momentum: Double = 0.1, epsilon: Double = 1e-5) throws {
        weight = try Tensor.ones([features])
        bias = try Tensor.zeros([features])
        runningMean = try Tensor.zeros([features])
        runningVar = try Tensor.ones([features])
        batchesTracked = try Tensor.zeros([], dtype: .int64)
        self.momentum = momentum
        self.epsilon = epsilon
        super.init()
        try registerParameter("weight", weight)
        try registerParameter("bias", bias)
        registerBuffer("running_mean", runningMean)
        registerBuffer("running_var", runningVar)
        registerBuffer("num_batches_tracked", batchesTracked)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        if isTraining {
            try withNoGrad { _ = try LayerOps.addInPlace(.tensor(batchesTracked), .int(1)) }
        }
        return try LayerOps.batchNorm(.tensor(input), .tensor(weight), .tensor(bias),
                                      .tensor(runningMean), .tensor(runningVar), .bool(isTraining),
                                      .double(momentum), .double(epsilon), .bool(true))
    }
}

/// A lookup table of learned vectors, initialised N(0, 1) as in PyTorch.
public final class Embedding: Module {
    public let weight: Tensor

    public init(_ count: Int, _ dimension: Int, generator: Generator) throws {
        weight = try Tensor.zeros([count, dimension])
        super.init()
        try weight.normal_(generator: generator)
        try registerParameter("weight", weight)
    }

    /// Vectors for int64 indices of any shape.
    public override func forward(_ indices: Tensor) throws -> Tensor {
        try LayerOps.embedding(.tensor(weight), .tensor(indices))
    }
}

/// Zeroes each element with probability `p` while training and scales the rest by 1/(1-p).
/// Masks come from the given generator so that a seeded run is reproducible.
public final class Dropout: Module {
    public let probability: Double
    let generator: Generator

    public init(_ probability: Double, generator: Generator) {
        precondition((0..<1).contains(probability), "dropout probability must be in [0, 1)")
        self.probability = probability
        self.generator = generator
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        guard isTraining, probability > 0 else { return input }
        let keep = try withNoGrad {
            try LayerOps.bernoulli(.tensor(input), .double(1 - probability), .generator(generator))
        }
        return try input * keep * (1 / (1 - probability))
    }
}

public final class MaxPool2d: Module {
    public let kernel: Int, stride: Int

    public init(_ kernel: Int, stride: Int? = nil) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try LayerOps.maxPool2d(.tensor(input), .ints([kernel, kernel]), .ints([stride, stride]),
                               .ints([0, 0]), .ints([1, 1]), .bool(false))
    }
}

/// Flattens every dimension after the first.
public final class Flatten: Module {
    public override func forward(_ input: Tensor) throws -> Tensor { try input.flatten(from: 1) }
}

/// Reshapes (N, ·) to (N, shape...).
public final class Unflatten: Module {
    public let shape: [Int]
    public init(_ shape: [Int]) {
        self.shape = shape
        super.init()
    }
    public override func forward(_ input: Tensor) throws -> Tensor {
        try input.reshape([input.shape[0]] + shape)
    }
}

public final class ReLU: Module {
    /// Whether forward overwrites its input, as `nn.ReLU(inplace=True)` does; only for an
    /// input that nothing else reads afterwards.
    public let inPlace: Bool

    public init(inPlace: Bool = false) {
        self.inPlace = inPlace
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        inPlace && InPlaceActivations.enabled ? try InPlaceActivations.relu_(.tensor(input)) : try input.relu()
    }
}

public final class LeakyReLU: Module {
    public let slope: Double
    /// Whether forward overwrites its input, as `nn.LeakyReLU(inplace=True)` does; only for
    /// an input that nothing else reads afterwards.
    public let inPlace: Bool

    public init(_ slope: Double = 0.01, inPlace: Bool = false) {
        self.slope = slope
        self.inPlace = inPlace
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        inPlace && InPlaceActivations.enabled
            ? try InPlaceActivations.leakyRelu_(.tensor(input), .double(slope)) : try input.leakyRelu(slope)
    }
}

public final class Tanh: Module {
    public override func forward(_ input: Tensor) throws -> Tensor { try input.tanh() }
}

public final class Sigmoid: Module {
    public override func forward(_ input: Tensor) throws -> Tensor { try input.sigmoid() }
}

/// DCGAN's initialisation (Radford et al. 2016): convolution and linear weights from
/// N(0, 0.02) with zero biases; batch-norm scales from N(1, 0.02) with zero shifts.
public func dcganInit(_ module: Module, generator: Generator) throws {
    for layer in module.modules() {
        switch layer {
        case let conv as Conv2d:
            try conv.weight.normal_(mean: 0, std: 0.02, generator: generator)
            try conv.bias?.zero_()
        case let conv as ConvTranspose2d:
            try conv.weight.normal_(mean: 0, std: 0.02, generator: generator)
            try conv.bias?.zero_()
        case let linear as Linear:
            try linear.weight.normal_(mean: 0, std: 0.02, generator: generator)
            try linear.bias?.zero_()
        case let norm as BatchNorm:
            try norm.weight.normal_(mean: 1, std: 0.02, generator: generator)
            try norm.bias.zero_()
        default:
            break
        }
    }
}
