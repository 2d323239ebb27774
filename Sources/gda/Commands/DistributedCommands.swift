import Foundation
import GDA
import Torch

let distributedCommands: [Command] = [
    Command(["experiment", "classify"], summary: "Run one worker's share of an experiment's classifier runs",
            usage: """
            Usage: gda experiment classify RUN [--worker I --workers N]

            Runs every N-th classifier run of Set 3 (and of the synthetic-only runs), starting at
            run I, skipping runs whose result is already in RUN/results. Workers run at the same
            time on one run folder; afterwards 'gda experiment resume RUN' finds every result
            and finishes the experiment, and 'gda report RUN' renders what is there.

            The stages before Set 3 must be done first:
              gda experiment run CONFIG.json --out RUN --stop-before classify

            Without --worker and --workers the share comes from the environment: a Slurm array
            task (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT), else a
            torchrun rank (RANK of WORLD_SIZE), else the whole grid.

            Options:
              --worker I    this worker's index, from 0
              --workers N   the number of workers
            """) { arguments in
        try runClassifyShare(&arguments)
    },
]

// MARK: - Process groups

/// Joins the process group the launcher describes (torchrun or srun), or returns nil for a
/// single-process run. `GDA_DIST_TIMEOUT` sets the seconds to wait for peers.
func joinDataParallel(batchNormSync: BatchNormSync = .perRank) throws -> DataParallel? {
    let environment = ProcessInfo.processInfo.environment
    var timeout = ProcessGroup.defaultTimeout
    if let text = environment["GDA_DIST_TIMEOUT"] {
        guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
            throw GDAError.config("GDA_DIST_TIMEOUT='\(text)' is invalid: expected a positive number of seconds")
        }
        timeout = seconds
    }
    do {
        guard let group = try ProcessGroup.fromEnvironment(timeout: timeout, environment: environment) else {
            return nil
        }
        return DataParallel(group: group, batchNormSync: batchNormSync)
    } catch let error as TorchError {
        throw GDAError(error.message)
    }
}

/// Returns the device of this rank: a bare `cuda` becomes `cuda:LOCAL_RANK` in a
/// distributed run, so that the ranks on one machine use one GPU each.
func rankDevice(_ name: String, _ parallel: DataParallel?) -> String {
    guard let parallel, name == "cuda" else { return name }
    return "cuda:\(parallel.group.localRank)"
}

/// Prints `params-digest=HEX` on every process; in a distributed run, also checks that every
/// rank's digest is equal and fails the run when one differs.
func finishWithDigest(_ digest: UInt64, _ parallel: DataParallel?) throws {
    print(ParameterDigest.line(digest))
    guard let parallel else { return }
    let digests = try parallel.gather(digest)
    let differing = digests.enumerated().filter { $0.element != digest }.map(\.offset)
    guard differing.isEmpty else {
        throw GDAError("rank \(parallel.rank): the parameters of ranks \(differing) differ from this rank's "
            + "(digests " + digests.map(ParameterDigest.hex).joined(separator: ", ") + ")")
    }
    if parallel.isLeader {
        writeError("gda: all \(parallel.worldSize) ranks end with equal parameters")
    }
}

// MARK: - gda experiment classify

private func runClassifyShare(_ arguments: inout Arguments) throws -> Int32 {
    let index = try arguments.int("worker", range: 0...1_000_000)
    let count = try arguments.int("workers", range: 1...1_000_000)
    try arguments.finish(maximumPositionals: 1)
    guard let folder = arguments.positionals.first else {
        throw UsageError("the run folder is required", hint: "gda experiment classify --help")
    }
    let worker: SweepWorker
    switch (index, count) {
    case let (index?, count?): worker = try SweepWorker(index: index, count: count)
    case (nil, nil): worker = try SweepWorker.fromEnvironment()
    default: throw UsageError("--worker and --workers go together", hint: "gda experiment classify --help")
    }
    let run = try RunFolder(folder, create: false, shared: true)
    let config = try ExperimentConfig.load("\(folder)/config.json")
    if config.device != "cpu" { _ = try parseDevice(config.device) }
    let progress = ProgressPrinter(label: "classify \(worker.index)/\(worker.count)")
    let experiment = try Experiment(config: config, run: run) { progress.line($0) }
    try experiment.classify(as: worker)
    print("\(folder): \(worker)'s classifier runs are done")
    return 0
}
