import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

@Suite("GAN models")
struct GANModelTests {
    init() {
        GANFixtures.oneThread
    }

    // MARK: - PyTorch names

    /// Each fixture module's Swift counterpart.
    static func counterpart(_ name: String, rng: Generator) throws -> Module? {
        let shape: ImageShape = name.contains("_32") ? .colour32 : .grey28
        let k = name.contains("_k10") ? 10 : 3
        let shared = name.hasSuffix("_shared1") ? 1 : name.hasSuffix("_shared2") ? 2 : nil
        switch name.split(separator: "_").prefix(2).joined(separator: "_") {
        case "dcgan_generator": return try GANGenerator(shape: shape, generator: rng)
        case "cgan_generator": return try GANGenerator(shape: shape, classes: 10, generator: rng)
        case "madgan_generator":
            return try MultiGenerator(shape: shape, count: k, sharedBlocks: shared, generator: rng)
        case "dcgan_discriminator": return try GANDiscriminator(shape: shape, kind: .binary, generator: rng)
        case "cgan_discriminator":
            return try GANDiscriminator(shape: shape, kind: .projection, classes: 10, generator: rng)
        case "madgan_discriminator":
            return try GANDiscriminator(shape: shape, kind: .multiclass, outputs: k + 1, generator: rng)
        default: return nil
        }
    }

    @Test("state dicts match PyTorch names, shapes and order")
    func stateDictNames() throws {
        let reference = try GANFixtures.referenceNames()
        #expect(reference.count == 15)
        let rng = try Generator(seed: 1)
        for (name, expected) in reference.sorted(by: { $0.key < $1.key }) {
            let module = try #require(try Self.counterpart(name, rng: rng), "no Swift module for \(name)")
            let actual = module.stateDict()
            #expect(actual.map(\.0) == expected.map(\.name), "names of \(name)")
            #expect(actual.map(\.1.shape) == expected.map(\.shape), "shapes of \(name)")
            #expect(actual.map { GANFixtures.dtypeName($0.1.dtype) } == expected.map(\.dtype), "dtypes of \(name)")
        }
    }

    // MARK: - Batched heads

    @Test("batched heads equal heads run one by one", arguments: [nil, 1] as [Int?])
    func batchedHeads(shared: Int?) throws {
        let batched = try MultiGenerator(shape: .grey28, count: 3, sharedBlocks: shared, generator: try Generator(seed: 3))
        let separate = try MultiGenerator(shape: .grey28, count: 3, sharedBlocks: shared, generator: try Generator(seed: 3))
        try dcganInit(batched, generator: try Generator(seed: 4))
        try dcganInit(separate, generator: try Generator(seed: 4))
        let z = try Tensor.randn([3 * 5, GANArchitecture.latentSize], generator: try Generator(seed: 5))

        // Training mode: batch statistics per generator, and the running statistics they leave.
        let a = try batched.generate(z, labels: nil)
        let b = try separate.generateHeadByHead(z)
        #expect(a.shape == [15, 1, 28, 28])
        #expect(try GANFixtures.maxDifference(a, b) < 1e-5)
        for ((name, x), (_, y)) in zip(batched.stateDict(), separate.stateDict()) {
            if x.dtype == .int64 {
                #expect(try x.scalars(as: Int64.self) == y.scalars(as: Int64.self), "\(name)")
            } else {
                #expect(try GANFixtures.maxDifference(x, y) < 1e-5, "\(name)")
            }
        }

        // Gradients reach every head's own weights through the grouped path.
        try (a * a).sum().backward()
        for (name, parameter) in batched.namedParameters() where name.hasPrefix("heads.") {
            let grad = try #require(parameter.grad, "\(name) has no gradient")
            #expect(try grad.abs().sum().item(as: Double.self) > 0, "\(name)")
        }

        // Evaluation mode, and the per-row generator choice used for sampling.
        batched.eval()
        separate.eval()
        #expect(try GANFixtures.maxDifference(try batched.generate(z, labels: nil), try separate.generateHeadByHead(z)) < 1e-5)
        let choice = try Tensor([Int64](repeating: 0, count: 5) + Array(repeating: 1, count: 5) + Array(repeating: 2, count: 5))
        #expect(try GANFixtures.maxDifference(try batched.generate(z, generators: choice), try separate.generateHeadByHead(z)) < 1e-5)
    }

    // MARK: - Labels and losses

    @Test("fake targets name their generator, never real")
    func fakeTargets() throws {
        let labels = MADGANLabels(generators: 4)
        #expect(labels.realClass == 4)
        let fake = try labels.fakeTargets(batch: 3).scalars(as: Int64.self)
        #expect(fake == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
        #expect(!fake.contains(Int64(labels.realClass)))
        #expect(try labels.realTargets(batch: 3).scalars(as: Int64.self) == [4, 4, 4])

        // The loss uses those targets: recompute it from log-softmax by hand.
        var config = GANFixtures.config(.madgan)
        config.generators = 4
        let objective = GANObjective(config: config)
        let discriminator = try GANFactory.makeDiscriminator(config, rng: try Generator(seed: 2))
        let rng = try Generator(seed: 9)
        let real = try Tensor.rand([3, 1, 28, 28], generator: rng) * 2 - 1
        let fakes = try Tensor.rand([12, 1, 28, 28], generator: rng) * 2 - 1
        let outcome = try objective.discriminatorLoss(discriminator, real: real, fake: fakes, labels: nil)
        let realLog = try outcome.realLogits.logSoftmax(dim: 1).scalars(as: Double.self)
        let fakeLog = try outcome.fakeLogits.logSoftmax(dim: 1).scalars(as: Double.self)
        // Row n of the fakes is generator n / 3's, so its target is n / 3; reals target 4.
        var realTerm = 0.0
        for n in 0..<3 { realTerm -= realLog[n * 5 + 4] / 3 }
        var fakeTerm = 0.0
        for n in 0..<12 { fakeTerm -= fakeLog[n * 5 + n / 3] / 12 }
        let loss = try outcome.loss.item(as: Double.self)
        #expect(abs(loss - (realTerm + fakeTerm)) < 1e-5)

        let generatorLoss = try objective.generatorLoss(discriminator, fake: fakes, labels: nil)
        let called = try discriminator.logits(fakes).logSoftmax(dim: 1).scalars(as: Double.self)
        var expected = 0.0
        for n in 0..<12 { expected -= called[n * 5 + 4] / 12 }
        let actual = try generatorLoss.item(as: Double.self)
        #expect(abs(actual - expected) < 1e-5)
    }

    @Test("real logits ignore the fakes of the step", arguments: [GANModel.dcgan, .cgan, .madgan])
    func realLogitsIndependent(model: GANModel) throws {
        let config = GANFixtures.config(model)
        let objective = GANObjective(config: config)
        let discriminator = try GANFactory.makeDiscriminator(config, rng: try Generator(seed: 2))
        let rng = try Generator(seed: 11)
        let k = config.generators
        let real = try Tensor.rand([8, 1, 28, 28], generator: rng) * 2 - 1
        let labels = try Tensor.randint(0, config.classCount, shape: [8], generator: rng)
        let fakeA = try Tensor.rand([8 * k, 1, 28, 28], generator: rng) * 2 - 1
        let fakeB = try Tensor.randn([8 * k, 1, 28, 28], generator: rng)
        let y = model == .cgan ? labels : nil
        let first = try objective.discriminatorLoss(discriminator, real: real, fake: fakeA, labels: y)
        let second = try objective.discriminatorLoss(discriminator, real: real, fake: fakeB, labels: y)
        #expect(try SameBytes.tensors(first.realLogits, second.realLogits))
        #expect(try first.fakeLogits.bytes() != second.fakeLogits.bytes())
    }

    // MARK: - Evaluation mode

    @Test("eval output of a latent ignores the batch", arguments: [GANModel.dcgan, .cgan, .madgan])
    func evalBatchIndependence(model: GANModel) throws {
        let config = GANFixtures.config(model)
        let generator = try GANFactory.makeGenerator(config, rng: try Generator(seed: 6))
        // A few training-mode passes give the running statistics non-trivial values.
        for seed in 0..<3 {
            let z = try Tensor.randn([4 * config.generators, 100], generator: try Generator(seed: UInt64(seed)))
            let y = model == .cgan ? try Tensor([Int64]([0, 1, 2, 3])) : nil
            _ = try generator.generate(z, labels: y)
        }
        let trained = try TrainedGenerator(config: config, model: generator, step: 0)
        let batch = try trained.sample(count: 12, seed: 21)
        let z = try batch.latents.slice(dim: 0, start: 5, end: 6)
        let labels = try batch.labels.map { try Tensor([Int64($0[5])]) }
        let generators = try batch.generators.map { try Tensor([Int64($0[5])]) }
        let alone = try ImageSpace.ganToBytes(try trained.images(latents: z, labels: labels, generators: generators))
        let inBatch = try batch.images.slice(dim: 0, start: 5, end: 6)
        #expect(try SameBytes.tensors(alone, inBatch))

        // The float output too, in a batch of other latents.
        let others = try Tensor.randn([7, 100], generator: try Generator(seed: 99))
        let mixed = try Tensor.cat([others, z], dim: 0)
        let mixedLabels = try labels.map { try Tensor.cat([try Tensor([Int64](repeating: 0, count: 7)), $0]) }
        let mixedGenerators = try generators.map { try Tensor.cat([try Tensor([Int64](repeating: 1, count: 7)), $0]) }
        let last = try trained.images(latents: mixed, labels: mixedLabels, generators: mixedGenerators)
            .slice(dim: 0, start: 7, end: 8)
        let single = try trained.images(latents: z, labels: labels, generators: generators)
        #expect(try GANFixtures.maxDifference(last, single) < 1e-6)
    }

    // MARK: - Image space

    @Test("samples survive PNG round trip exactly")
    func pngRoundTrip() throws {
        let config = GANFixtures.config(.cgan)
        let generator = try GANFactory.makeGenerator(config, rng: try Generator(seed: 6))
        let trained = try TrainedGenerator(config: config, model: generator, step: 0)
        let batch = try trained.sample(countPerClass: 2, seed: 3)
        #expect(batch.labels == (0..<4).flatMap { [Int32($0), Int32($0)] })
        for index in 0..<batch.images.shape[0] {
            let image = try Image(try batch.images.slice(dim: 0, start: index, end: index + 1))
            let decoded = try PNG.decode(try PNG.encode(image))
            #expect(decoded == image)
            // Bytes to GAN space and back is the identity on every byte value.
            let tensor = try Tensor(decoded.pixels, shape: [1, 1, 28, 28])
            #expect(try ImageSpace.ganToBytes(try ImageSpace.bytesToGAN(tensor)).bytes() == decoded.pixels)
        }
        let all = try Tensor((0...255).map { UInt8($0) })
        #expect(try ImageSpace.ganToBytes(try ImageSpace.bytesToGAN(all)).bytes() == (0...255).map { UInt8($0) })
    }
}
