import Foundation
@testable import GDA
import Torch
import Testing

@Suite("Data loader")
struct DataLoaderTests {
    struct Failure: Error {}

    let dataset = DataFixtures.indexed(classCounts: [23, 19, 15])

    /// Returns every batch of `epoch`, read through the background thread.
    private func collect(_ loader: DataLoader, epoch: Int, startBatch: Int = 0) throws -> [Batch] {
        var batches = [Batch]()
        try loader.forEachBatch(epoch: epoch, startBatch: startBatch) { batches.append($0) }
        return batches
    }

    @Test("order depends only on seed and epoch")
    func orderDeterminism() {
        let first = DataLoader(dataset: dataset, batchSize: 8, seed: 9)
        let second = DataLoader(dataset: dataset, batchSize: 5, seed: 9)
        #expect(first.order(epoch: 3) == second.order(epoch: 3))
        #expect(first.order(epoch: 3) != first.order(epoch: 4))
        #expect(first.order(epoch: 3) != DataLoader(dataset: dataset, batchSize: 8, seed: 10).order(epoch: 3))
        #expect(DataLoader(dataset: dataset, batchSize: 8, shuffle: false).order(epoch: 2) == Array(0..<57))
    }

    @Test("every index appears once per epoch")
    func epochCoverage() throws {
        let loader = DataLoader(dataset: dataset, batchSize: 8, seed: 1)
        let batches = try collect(loader, epoch: 0)
        #expect(batches.count == 8)
        #expect(loader.batchCount == 8)
        let indices = batches.flatMap(\.indices)
        #expect(indices.sorted() == Array(0..<57))
        #expect(batches.map(\.indices.count) == [8, 8, 8, 8, 8, 8, 8, 1])
        for batch in batches {
            let labels = try batch.labels.scalars(as: Int64.self)
            #expect(labels == batch.indices.map { Int64(dataset.labels[$0]) })
            #expect(batch.images.shape == [batch.indices.count, 1, 1, 2])
        }
    }

    @Test("drop last drops the short batch")
    func dropLast() throws {
        let loader = DataLoader(dataset: dataset, batchSize: 8, dropLast: true, seed: 1)
        let batches = try collect(loader, epoch: 0)
        #expect(batches.count == 7)
        #expect(loader.batchCount == 7)
        #expect(batches.allSatisfy { $0.indices.count == 8 })
    }

    @Test("two shards partition the epoch")
    func shards() throws {
        let rank0 = DataLoader(dataset: dataset, batchSize: 4, seed: 2, shard: (0, 2))
        let rank1 = DataLoader(dataset: dataset, batchSize: 4, seed: 2, shard: (1, 2))
        let first = try collect(rank0, epoch: 5).flatMap(\.indices)
        let second = try collect(rank1, epoch: 5).flatMap(\.indices)
        #expect(Set(first).isDisjoint(with: Set(second)))
        #expect((first + second).sorted() == Array(0..<57))
        // 15 slices of 4: rank 0 takes 8 of them, rank 1 takes 7.
        #expect(rank0.batchCount == 8)
        #expect(rank1.batchCount == 7)
        let whole = DataLoader(dataset: dataset, batchSize: 4, seed: 2).batches(epoch: 5)
        #expect(rank0.batches(epoch: 5).map(\.indices) == stride(from: 0, to: 15, by: 2).map { whole[$0].indices })
    }

    @Test("shards with drop last step together")
    func shardsDropLast() {
        let rank0 = DataLoader(dataset: dataset, batchSize: 4, dropLast: true, seed: 2, shard: (0, 2))
        let rank1 = DataLoader(dataset: dataset, batchSize: 4, dropLast: true, seed: 2, shard: (1, 2))
        #expect(rank0.batchCount == 7)
        #expect(rank1.batchCount == 7)
        #expect(rank0.batches(epoch: 0).count == 7)
        #expect(rank1.batches(epoch: 0).count == 7)
    }

    @Test("start batch skips exactly")
    func startBatch() throws {
        let noise: DataLoader.Transform = { images, generator in
            try images + Tensor.rand(images.shape, generator: generator)
        }
        let loader = DataLoader(dataset: dataset, batchSize: 6, seed: 4, space: .unit, transform: noise)
        let full = try collect(loader, epoch: 2)
        let resumed = try collect(loader, epoch: 2, startBatch: 3)
        #expect(resumed.count == full.count - 3)
        for (later, original) in zip(resumed, full.dropFirst(3)) {
            #expect(later.indices == original.indices)
            #expect(try later.images.scalars(as: Float.self) == original.images.scalars(as: Float.self))
        }
        // The noise differs between batches and between epochs.
        let other = try collect(loader, epoch: 3)
        #expect(try other[0].images.scalars(as: Float.self) != full[0].images.scalars(as: Float.self))
    }

    @Test("output spaces convert bytes")
    func outputSpaces() throws {
        let indices = [0, 1, 2, 3]
        let bytes = indices.flatMap { Array(dataset.images[(2 * $0)..<(2 * $0 + 2)]) }.map(Float.init)
        let gan = DataLoader(dataset: dataset, batchSize: 4, shuffle: false, space: .gan)
        let unit = DataLoader(dataset: dataset, batchSize: 4, shuffle: false, space: .unit)
        let normalised = DataLoader(dataset: dataset, batchSize: 4, shuffle: false,
                                    space: .classifier(mean: [0.25], std: [0.5]))
        let ganValues = try #require(try collect(gan, epoch: 0).first).images.scalars(as: Float.self)
        let unitValues = try #require(try collect(unit, epoch: 0).first).images.scalars(as: Float.self)
        let normalisedValues = try #require(try collect(normalised, epoch: 0).first).images.scalars(as: Float.self)
        for (position, byte) in bytes.enumerated() {
            #expect(abs(ganValues[position] - (byte / 127.5 - 1)) < 1e-6)
            #expect(abs(unitValues[position] - byte / 255) < 1e-6)
            #expect(abs(normalisedValues[position] - (byte / 255 - 0.25) / 0.5) < 1e-6)
        }
    }

    @Test("transform error reaches consumer")
    func errorPropagation() throws {
        let counter = Counter()
        let failing: DataLoader.Transform = { images, _ in
            if counter.increment() == 3 { throw Failure() }
            return images
        }
        let loader = DataLoader(dataset: dataset, batchSize: 5, shuffle: false, transform: failing, prefetch: 1)
        let iterator = loader.makeIterator(epoch: 0)
        #expect(try iterator.next()?.indices == [0, 1, 2, 3, 4])
        #expect(try iterator.next()?.indices == [5, 6, 7, 8, 9])
        #expect(throws: Failure.self) { try iterator.next() }
        #expect(try iterator.next() == nil)
    }

    @Test("early stop ends the thread")
    func earlyStop() throws {
        let lifetime: ProducerLifetime
        do {
            let loader = DataLoader(dataset: dataset, batchSize: 2, prefetch: 1)
            let iterator = loader.makeIterator(epoch: 0)
            lifetime = iterator.lifetime
            _ = try iterator.next()
            // The producer now waits on the full queue, and releasing the iterator must end it.
        }
        #expect(!lifetime.isRunning)
    }
}

/// A thread-safe counter for transforms that run on the loader's thread.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
