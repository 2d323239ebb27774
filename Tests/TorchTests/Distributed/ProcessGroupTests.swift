import Foundation
import TestSupport
import Testing
import Torch

/// Process groups of two ranks, each on its own thread of this process, joined over
/// 127.0.0.1. Expected values are computed by hand from what each rank sends.
@Suite("process group", .serialized)
struct ProcessGroupTests {
    /// Joins `size` ranks on their own threads and runs `body` on each; rethrows the first
    /// failure.
    func onRanks(_ size: Int = 2, timeout: Double = 30, _ body: @escaping @Sendable (ProcessGroup) throws -> Void)
        throws
    {
        let port = try Loopback.freePort()
        let failures = FailureList()
        let done = DispatchGroup()
        for rank in 0..<size {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                do {
                    let group = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, rank: rank,
                                                 worldSize: size, timeout: timeout)
                    try body(group)
                } catch {
                    failures.append("rank \(rank): \(error)")
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        let finished = done.wait(timeout: .now() + timeout + 30)
        try #require(finished == .success, "the ranks did not finish within \(timeout + 30) s")
        if let first = failures.all.first { throw TorchError(first) }
    }

    @Test("all-reduce sums and averages per dtype")
    func allReduce() throws {
        let results = ResultStore()
        try onRanks { group in
            let r = Double(group.rank)
            let weights = try Tensor([Float(1 + r), Float(2 + r), Float(3 + r), Float(4 + r)], shape: [2, 2])
            let bias = try Tensor([Float(10 * (r + 1))])
            let wide = try Tensor([1.5 * (r + 1), -2.0])
            let counts = try Tensor([Int64(group.rank + 1), 7])
            try group.allReduceMean([weights, bias, wide])
            try group.allReduceSum([counts])
            results.set(group.rank, [try weights.scalars(as: Float.self).map(Double.init),
                                     try bias.scalars(as: Float.self).map(Double.init),
                                     try wide.scalars(as: Double.self),
                                     try counts.scalars(as: Int64.self).map(Double.init)])
        }
        for rank in 0..<2 {
            let values = try #require(results.get(rank))
            #expect(values[0] == [1.5, 2.5, 3.5, 4.5], "rank \(rank) float32 mean")
            #expect(values[1] == [15], "rank \(rank) second float32 tensor mean")
            #expect(values[2] == [2.25, -2.0], "rank \(rank) float64 mean")
            #expect(values[3] == [3, 14], "rank \(rank) int64 sum")
        }
    }

    @Test("averaging integers is rejected before sending")
    func averageIntegers() throws {
        let results = ResultStore()
        try onRanks { group in
            let floats = try Tensor([Float(group.rank)])
            let counts = try Tensor([Int64(group.rank + 1)])
            var message = ""
            do {
                try group.allReduceMean([floats, counts])
            } catch {
                message = "\(error)"
            }
            try group.barrier()
            results.set(group.rank, [[message.contains("cannot average a tensor of Long") ? 1 : 0],
                                     try floats.scalars(as: Float.self).map(Double.init)])
        }
        for rank in 0..<2 {
            let values = try #require(results.get(rank))
            #expect(values[0] == [1], "rank \(rank) raised no clear error")
            #expect(values[1] == [Double(rank)], "rank \(rank) changed its tensor")
        }
    }

    @Test("broadcast copies the root's tensors")
    func broadcast() throws {
        let results = ResultStore()
        try onRanks { group in
            let r = Float(group.rank)
            let a = try Tensor([r, r + 1, r + 2])
            let b = try Tensor([Int64(100 + group.rank)])
            try group.broadcast([a, b], root: 1)
            results.set(group.rank, [try a.scalars(as: Float.self).map(Double.init),
                                     try b.scalars(as: Int64.self).map(Double.init)])
        }
        for rank in 0..<2 {
            let values = try #require(results.get(rank))
            #expect(values[0] == [1, 2, 3], "rank \(rank) float32")
            #expect(values[1] == [101], "rank \(rank) int64")
        }
    }

    @Test("all-gather orders rows by rank")
    func allGather() throws {
        let results = ResultStore()
        try onRanks { group in
            try group.barrier()
            let gathered = try group.allGather(try Tensor([Int64(group.rank), Int64(-7 * group.rank)]))
            results.set(group.rank, [gathered.shape.map(Double.init), try gathered.scalars(as: Int64.self).map(Double.init)])
        }
        for rank in 0..<2 {
            let values = try #require(results.get(rank))
            #expect(values[0] == [2, 2], "rank \(rank) shape")
            #expect(values[1] == [0, 0, 1, -7], "rank \(rank) rows")
        }
    }

    @Test("a missing peer fails the join within the timeout")
    func joinTimeout() throws {
        let port = try Loopback.freePort()
        let started = Date()
        #expect {
            _ = try ProcessGroup(masterAddress: "127.0.0.1", masterPort: port, rank: 0, worldSize: 2, timeout: 1)
        } throws: { error in
            "\(error)".contains("could not join")
        }
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds < 10, "joining took \(seconds) s with a 1 s timeout")
    }

    @Test("environment without a world size is one process")
    func environmentSingleProcess() throws {
        #expect(try ProcessGroup.fromEnvironment(environment: [:]) == nil)
        #expect(try ProcessGroup.fromEnvironment(environment: ["WORLD_SIZE": "1", "RANK": "0"]) == nil)
        // A Slurm batch script carries these outside srun too; they alone start no group.
        #expect(try ProcessGroup.fromEnvironment(environment: ["SLURM_NTASKS": "4", "SLURM_PROCID": "0"]) == nil)
    }

    @Test("invalid environment is rejected by name", arguments: [
        (["WORLD_SIZE": "2", "RANK": "0", "MASTER_PORT": "29500"], "MASTER_ADDR"),
        (["WORLD_SIZE": "2", "RANK": "0", "MASTER_ADDR": "127.0.0.1"], "MASTER_PORT"),
        (["WORLD_SIZE": "2", "RANK": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1"], "RANK='2'"),
        (["WORLD_SIZE": "two", "RANK": "0"], "WORLD_SIZE='two'"),
        (["WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1"], "RANK is not set"),
        (["WORLD_SIZE": "2", "RANK": "1", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "70000"], "MASTER_PORT='70000'"),
    ])
    func environmentErrors(environment: [String: String], message: String) throws {
        #expect {
            _ = try ProcessGroup.fromEnvironment(timeout: 1, environment: environment)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}

/// Failure messages collected from rank threads.
final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    func append(_ message: String) {
        lock.lock()
        messages.append(message)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return messages
    }
}

/// Values each rank thread reports, by rank.
final class ResultStore: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: [[Double]]] = [:]

    func set(_ rank: Int, _ value: [[Double]]) {
        lock.lock()
        values[rank] = value
        lock.unlock()
    }

    func get(_ rank: Int) -> [[Double]]? {
        lock.lock()
        defer { lock.unlock() }
        return values[rank]
    }
}
