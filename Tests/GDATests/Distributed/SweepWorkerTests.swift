import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

/// Set 3 spread over sweep workers (`gda experiment classify`) and merged afterwards.
@Suite("sweep workers", .serialized)
struct SweepWorkerTests {
    @Test("environment picks the worker", arguments: [
        ([:], 0, 1),
        (["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"], 2, 4),
        (["SLURM_ARRAY_TASK_ID": "11", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_COUNT": "3"], 1, 3),
        (["RANK": "1", "WORLD_SIZE": "2"], 1, 2),
        (["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "2", "RANK": "1", "WORLD_SIZE": "3"], 0, 2),
    ])
    func environment(variables: [String: String], index: Int, count: Int) throws {
        let worker = try SweepWorker.fromEnvironment(variables)
        #expect(worker == (try SweepWorker(index: index, count: count)))
    }

    @Test("invalid worker environment is rejected", arguments: [
        (["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "3"], "outside the 3 tasks"),
        (["SLURM_ARRAY_TASK_ID": "1"], "SLURM_ARRAY_TASK_COUNT is not"),
        (["RANK": "x", "WORLD_SIZE": "2"], "RANK='x'"),
        (["RANK": "2", "WORLD_SIZE": "2"], "outside 0..<2"),
    ])
    func environmentErrors(variables: [String: String], message: String) throws {
        #expect {
            _ = try SweepWorker.fromEnvironment(variables)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    /// Creates an experiment whose stages before Set 3 are recorded as done, with a small
    /// real set and a small labelled cGAN set. Its Set 3 has 6 grid runs and 2 synthetic-only
    /// runs.
    func preparedRun(labelled: Bool = true) throws -> (data: String, run: String) {
        let data = try DistributedFixtures.idxFolder(train: 60, test: 30)
        let path = try DistributedFixtures.folder("sweep") + "/run"
        var config = try ExperimentConfig.profile("tiny")
        config.dataset = "idx:\(data)"
        config.gan.models = ["cgan"]
        config.classifiers.sources = ["real", "traditional", "cgan"]
        config.classifiers.realFractions = [0.5]
        config.classifiers.syntheticRatios = [1.0]
        config.classifiers.seeds = 2
        config.classifiers.epochs = 1
        config.classifiers.minimumSteps = 3
        config.classifiers.batchSize = 8
        config.classifiers.syntheticOnly = true
        try config.validate()
        do {
            let run = try RunFolder(path, create: true)
            try run.write(config.encoded(), to: "config.json")
            for stage in ["data", "domain", "gan-cgan"] + (labelled ? ["label-cgan"] : []) {
                try run.markDone(stage, seconds: 0)
            }
        }
        _ = try IDX.write(DistributedFixtures.dataset(count: 45, seed: 5), folder: "\(path)/synthetic/cgan",
                          prefix: "train")
        return (data, path)
    }

    /// Result files of a run by relative path, re-encoded with sorted keys and without their
    /// timings.
    func results(_ run: String) throws -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var found: [String: String] = [:]
        for folder in ["results/classify", "results/synthetic-only"] {
            let full = "\(run)/\(folder)"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? [] where name.hasSuffix(".json") {
                let data = try #require(FileManager.default.contents(atPath: "\(full)/\(name)"))
                var result = try JSONDecoder().decode(ClassifierRunResult.self, from: data)
                result.seconds = 0
                found["\(folder)/\(name)"] = String(decoding: try encoder.encode(result), as: UTF8.self)
            }
        }
        return found
    }

    @Test("three workers and a merge equal one process")
    func threeWorkersEqualOne() throws {
        let (data, split) = try preparedRun()
        let parent = URL(fileURLWithPath: split).deletingLastPathComponent().path
        let whole = parent + "/whole"
        try FileManager.default.copyItem(atPath: split, toPath: whole)
        let logs = try DistributedFixtures.folder("sweep-logs")
        defer { DistributedFixtures.remove(data, parent, logs) }

        // Three array tasks at once on one run folder: by flags, by a Slurm array from 0
        // and by a Slurm array from 10.
        let workers = try [
            RankProcess(["experiment", "classify", split, "--worker", "0", "--workers", "3"], environment: [:],
                        logs: logs, name: "worker0"),
            RankProcess(["experiment", "classify", split],
                        environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"],
                        logs: logs, name: "worker1"),
            RankProcess(["experiment", "classify", split],
                        environment: ["SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_MIN": "10",
                                      "SLURM_ARRAY_TASK_COUNT": "3"],
                        logs: logs, name: "worker2"),
        ]
        for (index, worker) in workers.enumerated() {
            #expect(worker.wait(seconds: 180) == 0, "worker \(index): \(worker.errors)")
            #expect(worker.errors.contains("worker \(index) of 3"), "worker \(index): \(worker.errors)")
        }
        let single = try RankProcess(["experiment", "classify", whole], environment: [:], logs: logs, name: "single")
        #expect(single.wait(seconds: 300) == 0, "one process: \(single.errors)")

        let splitResults = try results(split)
        let wholeResults = try results(whole)
        #expect(splitResults.count == 8, "\(splitResults.keys.sorted())")
        #expect(Set(splitResults.keys) == Set(wholeResults.keys))
        for (path, result) in wholeResults {
            #expect(splitResults[path] == result, "\(path) differs")
        }

        // A rerun finds every result and trains nothing.
        let rerun = try RankProcess(["experiment", "classify", split, "--worker", "1", "--workers", "3"],
                                    environment: [:], logs: logs, name: "rerun")
        #expect(rerun.wait(seconds: 60) == 0, "\(rerun.errors)")
        #expect(rerun.errors.contains("2 of 2 runs done earlier, 0 to go"), "\(rerun.errors)")

        // Resuming merges the shares: the classify stage finds every result, and the report's
        // table is the same as the one-process run's.
        for run in [split, whole] {
            let resume = try RankProcess(["experiment", "resume", run], environment: [:], logs: logs, name: "resume")
            #expect(resume.wait(seconds: 120) == 0, "\(run): \(resume.errors)")
            #expect(resume.errors.contains("6 of 6 runs done earlier, 0 to go"), "\(run): \(resume.errors)")
        }
        let splitCells = try String(contentsOfFile: "\(split)/results/cells.csv", encoding: .utf8)
        let wholeCells = try String(contentsOfFile: "\(whole)/results/cells.csv", encoding: .utf8)
        #expect(!splitCells.isEmpty)
        #expect(splitCells == wholeCells)
    }

    @Test("a worker needs the labelling stages")
    func workerNeedsLabels() throws {
        let (data, run) = try preparedRun(labelled: false)
        let logs = try DistributedFixtures.folder("sweep-missing")
        defer { DistributedFixtures.remove(data, URL(fileURLWithPath: run).deletingLastPathComponent().path, logs) }
        let worker = try RankProcess(["experiment", "classify", run], environment: [:], logs: logs, name: "worker")
        #expect(worker.wait(seconds: 60) == 2, "\(worker.errors)")
        #expect(worker.errors.contains("has not finished stage 'label-cgan'"), "\(worker.errors)")
    }
}
