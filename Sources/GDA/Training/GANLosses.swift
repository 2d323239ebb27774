import Torch

/// The label layout of a MADGAN discriminator's K + 1 logits: class i < K means "made by
/// generator i" and class K means "real". Every MADGAN loss and accuracy takes its targets
/// from here.
public struct MADGANLabels: Sendable {
    /// K, the number of generators.
    public let generators: Int

    public init(generators: Int) {
        self.generators = generators
    }

    /// The class that means "real": the last one, K.
    public var realClass: Int { generators }

    /// The class of generator `index`: the index itself.
    public func generatorClass(_ index: Int) -> Int {
        precondition((0..<generators).contains(index), "generator index out of range")
        return index
    }

    /// Targets (B, int64) for B real images: all K.
    public func realTargets(batch: Int, device: Device = .cpu) throws -> Tensor {
        try Tensor.full([batch], Double(realClass), dtype: .int64, device: device)
    }

    /// Targets (K·B, int64) for generator-major fakes: row i·B + b is generator i's, class i.
    public func fakeTargets(batch: Int, device: Device = .cpu) throws -> Tensor {
        try Tensor.arange(0, generators, device: device).repeatInterleave(batch, dim: 0)
    }
}

/// The discriminator's side of one step: its loss and the logits it saw.
struct DiscriminatorOutcome {
    let loss: Tensor
    let realLogits: Tensor
    let fakeLogits: Tensor
}

/// The adversarial losses of each model. The discriminator runs on the real batch and on the
/// fake batch in two separate calls, so that its batch-norm statistics for real images come
/// from real images alone, as in the PyTorch reference step.
struct GANObjective {
    let model: GANModel
    let kind: DiscriminatorKind
    let labels: MADGANLabels
    /// One-sided label smoothing s, applied to the real term only.
    let smoothing: Double

    init(config: GANConfig) {
        model = config.model
        kind = config.discriminator
        labels = MADGANLabels(generators: config.generators)
        smoothing = config.labelSmoothing
    }

    /// Discriminator: real vs fake. `fake` must already be detached from the generators.
    ///
    /// Binary: L_D = mean BCE(D(x), 1 - s) + mean BCE(D(G(z)), 0).
    /// Multiclass: L_D = mean CE(D(x), K) + mean CE(D(G_i(z)), i), with s spread uniformly
    /// over the K + 1 classes of the real term. The real-term mean and the fake-term mean
    /// are summed with equal weight although MADGAN has K times more fakes than reals, as
    /// the PyTorch reference step does.
    func discriminatorLoss(_ discriminator: GANDiscriminator, real: Tensor, fake: Tensor,
                           labels classLabels: Tensor?) throws -> DiscriminatorOutcome
    {
        let realLogits = try discriminator.logits(real, labels: classLabels)
        let fakeLogits = try discriminator.logits(fake, labels: classLabels)
        let b = real.shape[0]
        let device = real.device
        let loss: Tensor
        switch kind {
        case .multiclass:
            let realTerm = try crossEntropy(realLogits, try labels.realTargets(batch: b, device: device),
                                            labelSmoothing: smoothing)
            let fakeTerm = try crossEntropy(
                fakeLogits, try labels.fakeTargets(batch: fake.shape[0] / labels.generators, device: device))
            loss = try realTerm + fakeTerm
        case .binary, .projection, .concat:
            let realTerm = try binaryCrossEntropyWithLogits(
                realLogits, try Tensor.full([b, 1], 1 - smoothing, device: device))
            let fakeTerm = try binaryCrossEntropyWithLogits(
                fakeLogits, try Tensor.zeros([fake.shape[0], 1], device: device))
            loss = try realTerm + fakeTerm
        }
        return DiscriminatorOutcome(loss: loss, realLogits: realLogits, fakeLogits: fakeLogits)
    }

    /// Generators: be called real (the non-saturating loss).
    ///
    /// Binary: L_G = mean BCE(D(G(z)), 1). Multiclass: L_G = mean CE(D(G_i(z)), K) over all
    /// K·B fakes, which is the sum over generators of each one's mean loss, divided by K.
    func generatorLoss(_ discriminator: GANDiscriminator, fake: Tensor, labels classLabels: Tensor?)
        throws -> Tensor
    {
        let logits = try discriminator.logits(fake, labels: classLabels)
        let n = fake.shape[0]
        switch kind {
        case .multiclass:
            return try crossEntropy(logits, try labels.realTargets(batch: n, device: fake.device))
        case .binary, .projection, .concat:
            return try binaryCrossEntropyWithLogits(logits, try Tensor.ones([n, 1], device: fake.device))
        }
    }

    /// Fractions of real images called real, and of fakes given their own target: "fake" for
    /// a one-logit discriminator, their generator's class for a multiclass one.
    func accuracies(realLogits: Tensor, fakeLogits: Tensor) throws -> (real: Double, fake: Double) {
        switch kind {
        case .multiclass:
            let b = realLogits.shape[0]
            let realHits = try realLogits.argmax(dim: 1).eq(
                try labels.realTargets(batch: b, device: realLogits.device))
            let fakeHits = try fakeLogits.argmax(dim: 1).eq(
                try labels.fakeTargets(batch: fakeLogits.shape[0] / labels.generators,
                                       device: fakeLogits.device))
            return (try fraction(realHits), try fraction(fakeHits))
        case .binary, .projection, .concat:
            return (try fraction(try realLogits.gt(0)), try fraction(try fakeLogits.lt(0)))
        }
    }

    private func fraction(_ hits: Tensor) throws -> Double {
        try hits.to(.float64).mean().item(as: Double.self)
    }
}
