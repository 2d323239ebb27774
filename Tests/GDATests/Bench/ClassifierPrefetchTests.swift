@testable import GDA
import TestSupport
import Testing
import Torch

/// `ClassifierTrainer` prepares and augments batches on a background thread. The weights it
/// trains must be those of a plain loop that prepares each batch just before its step.
@Suite("classifier batch prefetching")
struct ClassifierPrefetchTests {
    init() {
        _ = GANFixtures.oneThread
    }

    @Test("prefetched epochs equal an inline loop")
    func prefetchedEqualsInline() throws {
        let data = GANFixtures.dataset(count: 50, classes: 4)
        let transform = try AugmentPolicy.named("fashion", channels: 1).batchTransform
        let settings = ClassifierSettings(epochs: 2, batchSize: 16, augmentPolicy: "fashion", seed: 9)
        let normalization = Normalization.of(data)
        let trained = try ClassifierTrainer(settings: settings, normalization: normalization, transform: transform)
            .train(data)

        // The same epochs, each batch prepared right before its step on this thread.
        let initGenerator = try Generator(seed: Seeds.derive(settings.seed, "classifier-init"))
        let model = try ClassifierNet(channels: 1, size: 28, classes: 4, dropout: settings.dropout,
                                      generator: initGenerator)
        let optimizer = Adam(model.parameters(), learningRate: settings.learningRate)
        model.train()
        for epoch in 0..<settings.effectiveEpochs(count: data.count) {
            let orderGenerator = try Generator(seed: Seeds.derive(settings.seed, "classifier-order", epoch))
            let augmentGenerator = try Generator(seed: Seeds.derive(settings.seed, "classifier-augment", epoch))
            let order = try Tensor.randperm(data.count, generator: orderGenerator).scalars(as: Int64.self).map(Int.init)
            for start in stride(from: 0, to: order.count, by: settings.batchSize) {
                let indices = Array(order[start..<min(start + settings.batchSize, order.count)])
                let batch = try ClassifierTrainer.prepareBatch(data, indices: indices, transform: transform,
                                                               generator: augmentGenerator,
                                                               normalization: normalization, device: .cpu)
                optimizer.zeroGrad()
                _ = try ClassifierTrainer.backward(model: model, input: batch.images, labels: batch.labels)
                try optimizer.step()
            }
        }

        let expected = Dictionary(uniqueKeysWithValues: model.stateDict())
        for (name, tensor) in trained.stateDict() {
            let reference = try #require(expected[name], "\(name) missing from the inline model")
            #expect(try SameBytes.tensors(tensor, reference), "\(name) differs")
        }
    }
}
