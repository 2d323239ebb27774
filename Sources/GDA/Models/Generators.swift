import Torch

enum GANOps {
    static let batchNorm = Op("aten::batch_norm")
    static let convTranspose2d = Op("aten::conv_transpose2d", "input")
    static let oneHot = Op("aten::one_hot")
    static let addInPlace = Op("aten::add_", "Scalar")
    static let index = Op("aten::index", "Tensor")
}

/// Anything that turns latent vectors into images, in GAN space [-1, 1].
public protocol ImageGenerator: Module {
    var shape: ImageShape { get }
    /// Number of generators: 1, or K for MADGAN.
    var generatorCount: Int { get }
    /// Number of label classes a conditional generator takes, else 0.
    var classCount: Int { get }
    /// Images (N, C, H, W) for latents (N, Z). A conditional generator needs `labels` (N,
    /// int64). A multi-generator takes N = K·B latents, generator-major: rows i·B..<(i+1)·B
    /// go to generator i.
    func generate(_ latents: Tensor, labels: Tensor?) throws -> Tensor
}

// MARK: - DCGAN and cGAN generator

/// One generator; with `classes > 0`, a conditional one that concatenates a learned label
/// embedding (classes → classes dimensions) to z. State-dict names: `embed.weight`,
/// `trunk.N.*`, `head.N.*`, as the PyTorch reference module names them.
public final class GANGenerator: Module, ImageGenerator {
    public let shape: ImageShape
    public let classCount: Int
    public var generatorCount: Int { 1 }
    let embed: Embedding?
    let trunk: Sequential
    let head: Sequential

    public init(shape: ImageShape, classes: Int = 0, generator: Generator) throws {
        try GANArchitecture.validate(shape)
        self.shape = shape
        classCount = classes
        embed = classes > 0 ? try Embedding(classes, classes, generator: generator) : nil
        let blocks = try GANArchitecture.generatorBlocks(
            shape, inputs: GANArchitecture.latentSize + classes, generator: generator)
        trunk = Sequential(blocks.dropLast().flatMap { $0 })
        head = Sequential(blocks[blocks.count - 1])
        super.init()
        if let embed { registerModule("embed", embed) }
        registerModule("trunk", trunk)
        registerModule("head", head)
    }

    public func generate(_ latents: Tensor, labels: Tensor?) throws -> Tensor {
        var input = latents
        if let embed {
            guard let labels else { throw GDAError("a conditional generator needs labels") }
            input = try Tensor.cat([latents, try embed(labels)], dim: 1)  // (N, Z + classes)
        }
        return try head(try trunk(input))
    }
}

// MARK: - MADGAN generators

/// K generators that share their first `sharedBlocks` blocks (Ghosh et al. 2018, the image
/// set-up: every layer but the last shared). The trunk runs once on all K·B latents; the K
/// heads run as one batched computation: features are stacked along channels, (B, K·C, H, W),
/// and each transposed convolution runs with groups = K, each batch norm over K·C channels.
///
/// Each head keeps its own parameters, named `heads.{i}.{layer}.*` as in the PyTorch
/// reference, and the forward pass concatenates them into grouped weights. Forward and
/// backward of the default heads (K = 10, B = 64, one CPU thread of a shared 2-core
/// machine, libtorch 2.15): 29-33 ms with the per-step concatenation, 31-32 ms with weights
/// kept pre-grouped, 97 ms for a loop of K heads. The concatenation costs nothing
/// measurable, so the names stay those of the reference without a split on save.
public final class MultiGenerator: Module, ImageGenerator {
    public let shape: ImageShape
    public let generatorCount: Int
    public var classCount: Int { 0 }
    /// How many generator blocks the K generators share.
    public let sharedBlocks: Int
    let trunk: Sequential
    let heads: [Sequential]

    /// - Parameters:
    ///   - count: K, the number of generators.
    ///   - sharedBlocks: blocks shared by all generators, 1 ... blocks - 1; nil shares every
    ///     block but the last.
    public init(shape: ImageShape, count: Int, sharedBlocks: Int? = nil, generator: Generator) throws {
        try GANArchitecture.validate(shape)
        let blockCount = GANArchitecture.generatorBlockCount(shape)
        let shared = sharedBlocks ?? blockCount - 1
        guard count >= 1 else { throw GDAError.config("a MADGAN needs at least 1 generator, found \(count)") }
        guard (1..<blockCount).contains(shared) else {
            throw GDAError.config(
                "shared generator blocks must be in 1...\(blockCount - 1) for \(shape) images, found \(shared)")
        }
        self.shape = shape
        generatorCount = count
        self.sharedBlocks = shared
        let trunkBlocks = try GANArchitecture.generatorBlocks(
            shape, inputs: GANArchitecture.latentSize, generator: generator)
        trunk = Sequential(trunkBlocks.prefix(shared).flatMap { $0 })
        heads = try (0..<count).map { _ in
            let blocks = try GANArchitecture.generatorBlocks(
                shape, inputs: GANArchitecture.latentSize, generator: generator)
            return Sequential(blocks.dropFirst(shared).flatMap { $0 })
        }
        super.init()
        registerModule("trunk", trunk)
        registerModule("heads", ModuleList(heads))
    }

    /// Images for K·B generator-major latents, generator-major: row i·B + b is generator i's.
    public func generate(_ latents: Tensor, labels: Tensor? = nil) throws -> Tensor {
        let k = generatorCount
        let total = latents.shape[0]
        guard total % k == 0 else {
            throw GDAError("\(total) latents do not split evenly over \(k) generators")
        }
        let b = total / k
        let features = try trunk(latents)  // (K·B, C, H, W)
        let (c, h, w) = (features.shape[1], features.shape[2], features.shape[3])

        // Generator-major rows to channel-stacked groups: (K·B, C, H, W) → (B, K·C, H, W).
        let stacked = try features.reshape([k, b, c, h, w]).permute([1, 0, 2, 3, 4]).reshape([b, k * c, h, w])
        let x = try groupedHeads(stacked)

        // Back to generator-major rows: (B, K·C', H', W') → (K·B, C', H', W').
        let (c2, h2, w2) = (x.shape[1] / k, x.shape[2], x.shape[3])
        return try x.reshape([b, k, c2, h2, w2]).permute([1, 0, 2, 3, 4]).reshape([k * b, c2, h2, w2])
    }

    /// Images for N latents, row n from generator `generators[n]` (int64, N). Every head runs
    /// on every row and each row keeps its own head's output, so the result of a row does not
    /// depend on the others. Evaluation mode only: in training mode batch norm would mix
    /// rows of different generators.
    public func generate(_ latents: Tensor, generators: Tensor) throws -> Tensor {
        guard !isTraining else {
            throw GDAError("choosing a generator per latent needs evaluation mode (call eval() first)")
        }
        let k = generatorCount
        let n = latents.shape[0]
        let features = try trunk(latents)  // (N, C, H, W)
        let x = try groupedHeads(try features.repeated([1, k, 1, 1]))  // (N, K·C', H', W')
        let (c2, h2, w2) = (x.shape[1] / k, x.shape[2], x.shape[3])
        let rows = try Tensor.arange(0, n, device: latents.device)
        return try GANOps.index(.tensor(try x.reshape([n, k, c2, h2, w2])),
                                .optionalTensors([rows, try generators.to(latents.device, dtype: .int64)]))
    }

    /// Runs all K heads on channel-stacked input (B, K·C, H, W), channel group i for head i.
    private func groupedHeads(_ stacked: Tensor) throws -> Tensor {
        var x = stacked
        for index in heads[0].layers.indices {
            x = try groupedLayer(index, x)
        }
        return x
    }

    /// Head layer `index` of all K heads as one call on channel-stacked input.
    private func groupedLayer(_ index: Int, _ x: Tensor) throws -> Tensor {
        let layers = heads.map { $0.layers[index] }
        switch layers[0] {
        case let first as ConvTranspose2d:
            let convolutions = layers.compactMap { $0 as? ConvTranspose2d }
            // Weights (C_in, C_out, k, k) per head stack to (K·C_in, C_out, k, k), which is
            // the weight layout of a transposed convolution with groups = K.
            let weight = try Tensor.cat(convolutions.map(\.weight), dim: 0)
            let biases = convolutions.compactMap(\.bias)
            let bias = biases.count == convolutions.count ? Arg.tensor(try Tensor.cat(biases, dim: 0)) : Arg.none
            return try GANOps.convTranspose2d(
                .tensor(x), .tensor(weight), bias, .ints([first.stride, first.stride]),
                .ints([first.padding, first.padding]), .ints([0, 0]), .int(heads.count), .ints([1, 1]))
        case let first as BatchNorm:
            let norms = layers.compactMap { $0 as? BatchNorm }
            return try groupedBatchNorm(norms, x, momentum: first.momentum, epsilon: first.epsilon)
        default:
            // Element-wise layers (ReLU, tanh) do not care about the grouping.
            return try layers[0](x)
        }
    }

    /// K batch norms as one over K·C channels. Channel group i holds only generator i's
    /// images, so its batch statistics are exactly those head i would compute on its own.
    private func groupedBatchNorm(_ norms: [BatchNorm], _ x: Tensor, momentum: Double,
                                  epsilon: Double) throws -> Tensor
    {
        let training = norms[0].isTraining
        let runningMean = try Tensor.cat(norms.map(\.runningMean), dim: 0)
        let runningVar = try Tensor.cat(norms.map(\.runningVar), dim: 0)
        let output = try GANOps.batchNorm(
            .tensor(x), .tensor(try Tensor.cat(norms.map(\.weight), dim: 0)),
            .tensor(try Tensor.cat(norms.map(\.bias), dim: 0)), .tensor(runningMean),
            .tensor(runningVar), .bool(training), .double(momentum), .double(epsilon), .bool(true))
        if training {
            // The kernel updated the concatenated copies; each head's buffers take their slice.
            try withNoGrad {
                let c = norms[0].runningMean.shape[0]
                for (i, norm) in norms.enumerated() {
                    try norm.runningMean.assign(try runningMean.slice(dim: 0, start: i * c, end: (i + 1) * c))
                    try norm.runningVar.assign(try runningVar.slice(dim: 0, start: i * c, end: (i + 1) * c))
                    _ = try GANOps.addInPlace(.tensor(norm.batchesTracked), .int(1))
                }
            }
        }
        return output
    }

    /// Runs head i on its own rows, one head after another, as the PyTorch reference does.
    /// Slower than `generate`; it exists to check the batched path.
    public func generateHeadByHead(_ latents: Tensor) throws -> Tensor {
        let k = generatorCount
        let b = latents.shape[0] / k
        let features = try trunk(latents)
        let outputs = try heads.enumerated().map { i, head in
            try head(try features.slice(dim: 0, start: i * b, end: (i + 1) * b))
        }
        return try Tensor.cat(outputs, dim: 0)
    }
}
