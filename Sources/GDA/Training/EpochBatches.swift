import Torch

// NOTE: stands in for the data loader until it is merged; it has the same epoch order
// contract (a pure function of seed and epoch) but no background prefetch.

/// One batch in GAN space with its labels.
struct GANBatch {
    let images: Tensor
    let labels: Tensor
}

/// Batches of a dataset in a shuffled order that depends on (seed, epoch) only; the last
/// partial batch is dropped.
struct EpochBatches {
    let dataset: Dataset
    let batchSize: Int
    let seed: UInt64
    let device: Device

    var batchCount: Int { dataset.count / batchSize }

    func makeIterator(epoch: Int, startBatch: Int) -> Iterator {
        var order = Array(0..<dataset.count)
        var rng = SplitMixGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        order.shuffle(using: &rng)
        return Iterator(source: self, order: order, next: startBatch)
    }

    final class Iterator {
        let source: EpochBatches
        let order: [Int]
        var index: Int

        init(source: EpochBatches, order: [Int], next: Int) {
            self.source = source
            self.order = order
            index = next
        }

        func next() throws -> GANBatch? {
            guard index < source.batchCount else { return nil }
            let indices = Array(order[(index * source.batchSize)..<((index + 1) * source.batchSize)])
            index += 1
            let images = try ImageSpace.bytesToGAN(try source.dataset.imageTensor(indices)).to(source.device)
            return GANBatch(images: images, labels: try source.dataset.labelTensor(indices).to(source.device))
        }

        func stop() {}
    }
}

struct SplitMixGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
