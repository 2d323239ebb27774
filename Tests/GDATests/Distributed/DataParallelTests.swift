import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

/// Data-parallel runs of the built `gda`: ranks are child processes that join over
/// 127.0.0.1 with the env:// variables torchrun sets.
@Suite("data-parallel training", .serialized)
struct DataParallelTests {
    /// 84 training images: with a global batch of 16 the last batch has 4 images, all on
    /// rank 0, so rank 1 sends zero gradients and rank 0's loss is weighted.
    static let trainCount = 84

    @Test("two ranks of batch B train as one of batch 2B")
    func classifierMatchesOneProcess() throws {
        let data = try DistributedFixtures.idxFolder(train: Self.trainCount, test: 30)
        let work = try DistributedFixtures.folder("classifier")
        defer { DistributedFixtures.remove(data, work) }
        let common = ["train", "classifier", "--dataset", "idx:\(data)", "--epochs", "2", "--seed", "3", "--no-dropout"]

        let single = try RankProcess(common + ["--out", "\(work)/one", "--batch-size", "16"], environment: [:],
                                     logs: work, name: "single")
        #expect(single.wait(seconds: 120) == 0, "one process: \(single.errors)")

        let port = try Loopback.freePort()
        let ranks = try (0..<2).map { rank in
            try RankProcess(rank: rank, of: 2, port: port, common + ["--out", "\(work)/two", "--batch-size", "8"],
                            logs: work)
        }
        for (rank, process) in ranks.enumerated() {
            #expect(process.wait(seconds: 120) == 0, "rank \(rank): \(process.errors)")
        }
        let digests = ranks.map(\.digest)
        #expect(digests[0] != nil, "rank 0 printed no digest: \(ranks[0].output)")
        #expect(digests[0] == digests[1], "ranks print different digests")

        let one = try SafeTensors.load("\(work)/one/checkpoints/classifier.safetensors").tensors
        let two = try SafeTensors.load("\(work)/two/checkpoints/classifier.safetensors").tensors
        #expect(Set(one.keys) == Set(two.keys))
        let initial = try ClassifierNet(channels: 1, size: 28, classes: 3,
                                        generator: Generator(seed: Seeds.derive(3, "classifier-init")))
        var largestChange = 0.0
        for (name, start) in initial.stateDict() {
            let a = try #require(one[name]).scalars(as: Float.self)
            let b = try #require(two[name]).scalars(as: Float.self)
            let difference = zip(a, b).map { abs(Double($0) - Double($1)) }.max() ?? 0
            #expect(difference <= 1e-5, "\(name): largest difference \(difference)")
            let moved = zip(a, try start.scalars(as: Float.self)).map { abs(Double($0) - Double($1)) }.max() ?? 0
            largestChange = max(largestChange, moved)
        }
        #expect(largestChange > 1e-3, "training left the weights where they started")
    }

    @Test("two ranks of a GAN end with equal digests")
    func ganDigestsAgree() throws {
        let data = try DistributedFixtures.idxFolder(train: 64, test: 8)
        let work = try DistributedFixtures.folder("gan")
        defer { DistributedFixtures.remove(data, work) }
        let run = "\(work)/run"
        let port = try Loopback.freePort()
        let arguments = ["train", "cgan", "--dataset", "idx:\(data)", "--out", run, "--epochs", "2",
                         "--batch-size", "8", "--sync-batchnorm"]
        let ranks = try (0..<2).map { try RankProcess(rank: $0, of: 2, port: port, arguments, logs: work) }
        for (rank, process) in ranks.enumerated() {
            #expect(process.wait(seconds: 180) == 0, "rank \(rank): \(process.errors)")
        }
        let digests = ranks.map(\.digest)
        #expect(digests[0] != nil, "rank 0 printed no digest: \(ranks[0].output)")
        #expect(digests[0] == digests[1], "ranks print different digests")
        #expect(ranks[0].errors.contains("4 batches per epoch on each of 2 ranks"), "\(ranks[0].errors)")

        // Rank 0 alone writes: one events file, one metrics file, the run's world size.
        let files = try FileManager.default.contentsOfDirectory(atPath: run)
        #expect(files.filter { $0.hasPrefix("events.out.tfevents") }.count == 1, "\(files)")
        #expect(try RunWorldSize.read(run) == 2)

        // Checkpoints count steps per rank, so one process cannot resume the run.
        let resume = try RankProcess(["train", "--resume", run], environment: [:], logs: work, name: "resume")
        #expect(resume.wait(seconds: 60) == 2, "\(resume.errors)")
        #expect(resume.errors.contains("trained on 2 process(es)"), "\(resume.errors)")
    }

    @Test("a killed rank stops its peer with an error")
    func killedRankStopsPeer() throws {
        let data = try DistributedFixtures.idxFolder(train: Self.trainCount, test: 8)
        let work = try DistributedFixtures.folder("kill")
        defer { DistributedFixtures.remove(data, work) }
        let timeout = 20.0
        let port = try Loopback.freePort()
        let arguments = ["train", "classifier", "--dataset", "idx:\(data)", "--out", "\(work)/run",
                         "--epochs", "100000", "--batch-size", "4"]
        let ranks = try (0..<2).map { try RankProcess(rank: $0, of: 2, port: port, arguments, logs: work, timeout: timeout) }
        defer { for rank in ranks { _ = rank.wait(seconds: 0) } }
        try #require(ranks[0].waitForError("training on", seconds: 60), "rank 0 did not start: \(ranks[0].errors)")

        ranks[1].signal(SIGKILL)
        let stopped = Date()
        let status = ranks[0].wait(seconds: timeout + 10)
        let seconds = Date().timeIntervalSince(stopped)
        #expect(status != nil, "rank 0 still ran \(timeout + 10) s after its peer died")
        #expect(status != 0)
        #expect(seconds < timeout, "rank 0 took \(seconds) s to stop")
        #expect(ranks[0].errors.contains("Another rank exited"), "\(ranks[0].errors)")
    }

    @Test("a stalled rank times out its peer")
    func stalledRankTimesOut() throws {
        let data = try DistributedFixtures.idxFolder(train: Self.trainCount, test: 8)
        let work = try DistributedFixtures.folder("stall")
        defer { DistributedFixtures.remove(data, work) }
        let timeout = 3.0
        let port = try Loopback.freePort()
        let arguments = ["train", "classifier", "--dataset", "idx:\(data)", "--out", "\(work)/run",
                         "--epochs", "100000", "--batch-size", "4"]
        let ranks = try (0..<2).map { try RankProcess(rank: $0, of: 2, port: port, arguments, logs: work, timeout: timeout) }
        defer { for rank in ranks { _ = rank.wait(seconds: 0) } }
        try #require(ranks[0].waitForError("training on", seconds: 60), "rank 0 did not start: \(ranks[0].errors)")

        ranks[1].signal(SIGSTOP)
        let stopped = Date()
        let status = ranks[0].wait(seconds: timeout + 20)
        let seconds = Date().timeIntervalSince(stopped)
        #expect(status != nil, "rank 0 still ran \(timeout + 20) s after its peer stalled")
        #expect(status != 0)
        #expect(seconds < timeout + 5, "rank 0 took \(seconds) s with a \(timeout) s timeout")
        #expect(ranks[0].errors.lowercased().contains("timed out"), "\(ranks[0].errors)")
    }
}
