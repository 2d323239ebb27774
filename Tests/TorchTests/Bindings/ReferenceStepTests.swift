import Testing
import Torch

/// One training step of each reference model, stage by stage, against PyTorch: the Swift models
/// load the fixture's state dicts with `strict: true` (so every state_dict name, BatchNorm's
/// num_batches_tracked included, equals PyTorch's), then run the step that the reference
/// benchmark runs. Outputs, losses and gradients must agree to 1e-5; the state after the Adam
/// steps and three discriminator passes (BatchNorm running statistics included) too.
@Suite struct ReferenceStepTests {
    /// Biases of layers that feed a training-mode BatchNorm. Their true gradient is zero,
    /// because the batch mean cancels them, so backward returns rounding noise for them. Their
    /// gradients are compared to 1e-4. Adam's first step moves each element by up to ±lr
    /// according to the sign of that noise, so their values after the step are compared to 2·lr.
    /// The discriminator's running mean after `features.2` inherits that noise, because the
    /// generator phase runs the discriminator again after its step: it moves by up to
    /// momentum · 2·lr, within the same bound.
    static let cancelledBiases: Set<String> = ["trunk.0.bias", "trunk.4.bias", "features.2.bias",
                                               "features.3.running_mean"]
    static let learningRate = 2e-4

    /// Compares named tensors against the fixture, with the looser bounds for
    /// `cancelledBiases`.
    static func expectMatches(
        _ actual: [(String, Tensor)], _ expected: Tensors, cancelledAtol: Double,
        _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(actual.map(\.0).sorted() == expected.keys, "\(label): names differ",
                sourceLocation: sourceLocation)
        for (name, tensor) in actual {
            guard let reference = expected.values[name] else { continue }
            let atol = cancelledBiases.contains(name) ? cancelledAtol : 1e-5
            try expectClose(tensor, reference, atol: atol, "\(label) \(name)",
                            sourceLocation: sourceLocation)
        }
    }

    /// The pieces of a GAN step that differ between DCGAN, cGAN and MADGAN.
    struct GAN {
        let generatorModel: Module
        let discriminatorModel: Module
        let generate: (Tensor) throws -> Tensor
        let discriminate: (Tensor) throws -> Tensor
        let loss: (Tensor, Tensor) throws -> Tensor
        let realTarget: Tensor, fakeTarget: Tensor, generatorTarget: Tensor
    }

    static func makeGAN(_ name: String, _ fixture: Tensors) throws -> GAN {
        let generator = try Generator(seed: 0)
        let batch = try fixture["input.real"].shape[0]
        if name == "madgan" {
            let k = try fixture["input.z"].shape[0]
            let g = try ReferenceMultiGenerator(k: k, generator: generator)
            let d = try ReferenceDiscriminator(outputs: k + 1, classes: 0, generator: generator)
            return GAN(
                generatorModel: g, discriminatorModel: d,
                generate: { try g($0) }, discriminate: { try d($0, nil) },
                loss: { try crossEntropy($0, $1) },
                realTarget: try Tensor.full([batch], Double(k), dtype: .int64),
                fakeTarget: try Tensor.arange(0, k).repeatInterleave(batch, dim: 0),
                generatorTarget: try Tensor.full([k * batch], Double(k), dtype: .int64))
        }
        let classes = name == "cgan" ? Reference.classes : 0
        let labels = fixture.values["input.labels"]
        let g = try ReferenceGenerator(classes: classes, generator: generator)
        let d = try ReferenceDiscriminator(outputs: 1, classes: classes, generator: generator)
        return GAN(
            generatorModel: g, discriminatorModel: d,
            generate: { try g($0, labels) }, discriminate: { try d($0, labels) },
            loss: { try binaryCrossEntropyWithLogits($0, $1) },
            realTarget: try Tensor.ones([batch, 1]), fakeTarget: try Tensor.zeros([batch, 1]),
            generatorTarget: try Tensor.ones([batch, 1]))
    }

    @Test(arguments: ["dcgan", "cgan", "madgan"])
    func ganStepMatchesPyTorch(_ name: String) throws {
        let fixture = try Fixture.load(name)
        let gan = try Self.makeGAN(name, fixture)
        let (g, d) = (gan.generatorModel, gan.discriminatorModel)
        try g.loadStateDict(fixture.scoped("g.state").values, strict: true)
        try d.loadStateDict(fixture.scoped("d.state").values, strict: true)
        let og = Adam(g.parameters(), learningRate: Self.learningRate, betas: (0.5, 0.999))
        let od = Adam(d.parameters(), learningRate: Self.learningRate, betas: (0.5, 0.999))
        let z = try fixture["input.z"].clone().requiringGrad()
        let real = try fixture["input.real"].clone().requiringGrad()

        // Discriminator: real vs fake.
        let fake = try gan.generate(z)
        od.zeroGrad()
        let dReal = try gan.discriminate(real)
        let dFake = try gan.discriminate(try fake.detach())
        let lossD = try gan.loss(dReal, gan.realTarget) + gan.loss(dFake, gan.fakeTarget)
        try lossD.backward()
        try expectClose(fake, try fixture["out.fake"], "\(name) fake images")
        try expectClose(dReal, try fixture["out.d_real"], "\(name) D(real)")
        try expectClose(dFake, try fixture["out.d_fake"], "\(name) D(fake)")
        try expectClose(lossD, try fixture["loss.d"], "\(name) discriminator loss")
        try expectClose(real.grad, try fixture["grad.real"], "\(name) real image gradient")
        try Self.expectMatches(d.namedGradients(), fixture.scoped("grad.d"), cancelledAtol: 1e-4,
                               "\(name) D gradient")
        try od.step()

        // Generators: be called real.
        og.zeroGrad()
        let dGen = try gan.discriminate(fake)
        let lossG = try gan.loss(dGen, gan.generatorTarget)
        try lossG.backward()
        try expectClose(dGen, try fixture["out.d_gen"], "\(name) D(G(z)) after the D step")
        try expectClose(lossG, try fixture["loss.g"], "\(name) generator loss")
        try expectClose(z.grad, try fixture["grad.z"], "\(name) z gradient")
        try Self.expectMatches(g.namedGradients(), fixture.scoped("grad.g"), cancelledAtol: 1e-4,
                               "\(name) G gradient")
        try og.step()

        let stepBound = 2 * Self.learningRate + 1e-5
        try Self.expectMatches(g.stateDict(), fixture.scoped("g.after"), cancelledAtol: stepBound,
                               "\(name) G after the step")
        try Self.expectMatches(d.stateDict(), fixture.scoped("d.after"), cancelledAtol: stepBound,
                               "\(name) D after the step")
    }

    @Test func classifierStepMatchesPyTorch() throws {
        let fixture = try Fixture.load("classifier")
        let net = try referenceClassifier(generator: try Generator(seed: 0))
        try net.loadStateDict(fixture.scoped("state").values, strict: true)
        // Evaluation mode turns dropout off, as in the fixture.
        net.eval()
        let optimizer = Adam(net.parameters(), learningRate: 1e-3)
        let x = try fixture["input.x"].clone().requiringGrad()

        let logits = try net(x)
        let loss = try crossEntropy(logits, fixture["input.labels"])
        try loss.backward()
        try optimizer.step()

        try expectClose(logits, try fixture["output"], "classifier logits")
        try expectClose(loss, try fixture["loss"], "classifier loss")
        try expectClose(x.grad, try fixture["grad.input"], "classifier input gradient")
        try expectAllClose(net.namedGradients(), fixture.scoped("grad").removing("input"),
                           "classifier gradient")
        try expectAllClose(net.stateDict(), fixture.scoped("after"), "classifier after the step")
    }
}
