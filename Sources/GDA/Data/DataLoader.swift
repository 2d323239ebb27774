import Foundation
import Torch

/// The value range a loader delivers images in.
public enum OutputSpace: Sendable, Equatable {
    /// [-1, 1], the range of a tanh generator.
    case gan
    /// [0, 1].
    case unit
    /// [0, 1] normalised per channel: (x - mean) / std.
    case classifier(mean: [Double], std: [Double])
}

/// One batch: images as float32 (B, C, H, W) in the loader's output space, labels as int64
/// (B), and the dataset indices the batch was drawn from.
public struct Batch: Sendable {
    public let images: Tensor
    public let labels: Tensor
    public let indices: [Int]
    /// The state of the augmentation generator after this batch was drawn, when the
    /// consumer asked for it (a classifier run that saves checkpoints inside epochs).
    var augmentState: Tensor? = nil
}

/// Cuts a dataset into batches for one epoch at a time, preparing them on a background
/// thread a few batches ahead of the consumer.
///
/// The epoch's order is a pure function of (seed, epoch): a Fisher-Yates shuffle driven by
/// `SplitMix64` seeded with `SplitMix64.mix(seed, epoch)`. The optional transform receives
/// [0, 1] images and a generator seeded from (seed, epoch, batch number), so a batch's
/// augmentation does not depend on which batches came before it, and a run resumed with
/// `startBatch` gets the same images as one that never stopped.
public final class DataLoader: Sendable {
    /// A batch transform (augmentation) on [0, 1] images (B, C, H, W), already on `device`.
    public typealias Transform = @Sendable (Tensor, Generator) throws -> Tensor

    public let dataset: Dataset
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    public let seed: UInt64
    /// This process's part of the data in a data-parallel run.
    public let shard: (rank: Int, worldSize: Int)
    public let space: OutputSpace
    public let transform: Transform?
    public let device: Device
    /// How many batches the background thread prepares ahead of the consumer.
    public let prefetch: Int

    /// - Parameters:
    ///   - shuffle: when false, every epoch visits the images in dataset order.
    ///   - dropLast: drops the last batch of an epoch when it would be smaller than `batchSize`.
    ///   - shard: `(rank, worldSize)`: the epoch is cut into slices of `batchSize` and rank
    ///     `r` takes slices `r`, `r + worldSize`, .... Without `dropLast` the ranks may differ
    ///     by one batch, so data-parallel training, whose ranks must step together, should set it.
    public init(dataset: Dataset, batchSize: Int, shuffle: Bool = true, dropLast: Bool = false, seed: UInt64 = 0,
                shard: (rank: Int, worldSize: Int) = (0, 1), space: OutputSpace = .gan,
                transform: Transform? = nil, device: Device = .cpu, prefetch: Int = 2) {
        precondition(batchSize > 0, "batch size must be positive, found \(batchSize)")
        precondition(shard.worldSize > 0 && (0..<shard.worldSize).contains(shard.rank),
                     "shard rank \(shard.rank) is outside 0..<\(shard.worldSize)")
        precondition(prefetch > 0, "prefetch must be positive, found \(prefetch)")
        if case .classifier(let mean, let std) = space {
            precondition(mean.count == dataset.channels && std.count == dataset.channels,
                         "normalisation needs one mean and std per channel (\(dataset.channels))")
        }
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.shard = shard
        self.space = space
        self.transform = transform
        self.device = device
        self.prefetch = prefetch
    }

    // MARK: - Epoch order

    /// Returns every dataset index once, in the order of `epoch` (before sharding).
    public func order(epoch: Int) -> [Int] {
        var indices = Array(0..<dataset.count)
        guard shuffle else { return indices }
        var generator = SplitMix64(seed: SplitMix64.mix(seed, UInt64(bitPattern: Int64(epoch))))
        indices.shuffle(using: &generator)
        return indices
    }

    /// Returns this rank's batches of `epoch`, as (slice number in the whole epoch, dataset indices).
    public func batches(epoch: Int) -> [(slice: Int, indices: [Int])] {
        let order = order(epoch: epoch)
        var sliceCount = order.count / batchSize
        if !dropLast && order.count % batchSize != 0 { sliceCount += 1 }
        if dropLast { sliceCount -= sliceCount % shard.worldSize }
        return stride(from: shard.rank, to: sliceCount, by: shard.worldSize).map { slice in
            (slice, Array(order[(slice * batchSize)..<Swift.min(order.count, (slice + 1) * batchSize)]))
        }
    }

    /// How many batches this rank gets per epoch.
    public var batchCount: Int {
        var sliceCount = dataset.count / batchSize
        if !dropLast && dataset.count % batchSize != 0 { sliceCount += 1 }
        if dropLast { sliceCount -= sliceCount % shard.worldSize }
        return sliceCount <= shard.rank ? 0 : (sliceCount - shard.rank - 1) / shard.worldSize + 1
    }

    // MARK: - Iteration

    /// Starts preparing the batches of `epoch` from batch `startBatch` on (earlier batches
    /// are skipped without being prepared). Read them with `next()`; the background thread
    /// stops when the iterator is released or `stop()` is called.
    public func makeIterator(epoch: Int, startBatch: Int = 0) -> BatchIterator {
        precondition(startBatch >= 0, "start batch must not be negative, found \(startBatch)")
        let planned = Array(batches(epoch: epoch).dropFirst(startBatch))
        return BatchIterator(plan: planned, capacity: prefetch) { [self] slice, indices in
            try prepare(epoch: epoch, slice: slice, indices: indices)
        }
    }

    /// Runs `body` on each batch of `epoch` in turn, from `startBatch` on.
    public func forEachBatch(epoch: Int, startBatch: Int = 0, _ body: (Batch) throws -> Void) throws {
        let iterator = makeIterator(epoch: epoch, startBatch: startBatch)
        defer { iterator.stop() }
        while let batch = try iterator.next() {
            try body(batch)
        }
    }

    /// Builds one batch: bytes to `device`, then [0, 1], the transform, and the output space.
    func prepare(epoch: Int, slice: Int, indices: [Int]) throws -> Batch {
        let bytes = try dataset.imageTensor(indices).to(device)
        let labels = try dataset.labelTensor(indices).to(device)
        guard let transform else {
            return Batch(images: try convert(bytes: bytes), labels: labels, indices: indices)
        }
        let batchSeed = SplitMix64.mix(seed, UInt64(bitPattern: Int64(epoch)), UInt64(slice))
        let generator = try Generator(seed: batchSeed, device: device)
        let unit = try transform(try ImageSpace.bytesToUnit(bytes), generator)
        return Batch(images: try convert(unit: unit), labels: labels, indices: indices)
    }

    private func convert(bytes: Tensor) throws -> Tensor {
        switch space {
        case .gan: return try ImageSpace.bytesToGAN(bytes)
        case .unit, .classifier: return try convert(unit: try ImageSpace.bytesToUnit(bytes))
        }
    }

    private func convert(unit: Tensor) throws -> Tensor {
        switch space {
        case .gan: return try ImageSpace.unitToGAN(unit)
        case .unit: return unit
        case .classifier(let mean, let std): return try ImageSpace.normalize(unit, mean: mean, std: std)
        }
    }
}
