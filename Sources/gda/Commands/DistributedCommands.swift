import Foundation
import GDA
import Torch

let distributedCommands: [Command] = [
    Command(["train", "classifier"], summary: "Train the reference classifier, on one process or data-parallel",
            usage: """
            Usage: gda train classifier --dataset NAME --out RUN [options]

            Trains the reference classifier with Adam on the training split (or a stratified
            subset of it), evaluates it on the test split and writes
            RUN/checkpoints/classifier.safetensors and RUN/results/classifier.json. Every process
            prints params-digest=HEX, a digest of the final parameters.

            Launched by torchrun or srun (see docs/distributed.md) it trains data-parallel: each
            rank takes --batch-size images of every step and gradients are averaged, so N ranks
            with batch B train as one process with batch N*B. Rank 0 alone writes RUN.

            Options:
              --dataset NAME    mnist, fashion-mnist, cifar10, idx:PATH or folder:PATH
              --out RUN         run folder to write
              --epochs N        passes over the training set (default 10)
              --batch-size N    images per step, per process (default 64)
              --limit N         train on a stratified subset of N images
              --seed S          seed of the subset, the initial weights and the batch order (default 0)
              --no-dropout      leave out the hidden layer's dropout
              --device DEV      cpu, cuda or cuda:N (default cpu)

            Environment:
              GDA_DIST_TIMEOUT  seconds a distributed run waits for its peers (default 1800)
            """, flags: ["no-dropout"]) { arguments in
        try runTrainClassifier(&arguments)
    },
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

// MARK: - gda train classifier

private func runTrainClassifier(_ arguments: inout Arguments) throws -> Int32 {
    guard let datasetName = arguments.string("dataset") else {
        throw UsageError("gda train classifier needs --dataset NAME", hint: "gda train classifier --help")
    }
    guard let folder = arguments.string("out") else {
        throw UsageError("gda train classifier needs --out RUN", hint: "gda train classifier --help")
    }
    var settings = ClassifierSettings()
    settings.epochs = try arguments.int("epochs", range: 1...100_000) ?? settings.epochs
    settings.batchSize = try arguments.int("batch-size", range: 1...65536) ?? settings.batchSize
    let limit = try arguments.int("limit", range: 1...Int(Int32.max))
    if let seed = arguments.string("seed") {
        guard let value = UInt64(seed) else { throw UsageError("--seed expects a non-negative integer, found '\(seed)'") }
        settings.seed = value
    }
    if try arguments.flag("no-dropout") { settings.dropout = 0 }
    let deviceName = arguments.string("device")
    try arguments.finish()

    let parallel = try joinDataParallel()
    let device = try parseDevice(deviceName.map { rankDevice($0, parallel) })
    let leads = parallel?.isLeader ?? true
    let run = leads ? try RunFolder(folder, create: true) : nil
    let train = try DatasetSource.load(datasetName, split: .train)
    var data = train
    if let limit, limit < train.count {
        data = train.stratifiedSubset(count: limit, seed: Seeds.derive(settings.seed, "classifier-subset"))
    }
    let normalization = Normalization.of(data)

    let progress = ProgressPrinter(label: "classifier")
    if leads {
        let ranks = parallel.map { " on \($0.worldSize) ranks of batch \(settings.batchSize)" } ?? ""
        progress.line("training on \(data.count) \(datasetName) images\(ranks)")
    }
    var trainer = ClassifierTrainer(settings: settings, normalization: normalization, device: device) { epoch, epochs, loss, accuracy in
        guard leads else { return }
        progress.line(String(format: "epoch %d/%d loss %.4f train accuracy %.4f", epoch, epochs, loss, accuracy))
    }
    trainer.dataParallel = parallel
    let model = try trainer.train(data)

    if let run {
        var global = settings
        global.batchSize *= parallel?.worldSize ?? 1
        let test = try DatasetSource.load(datasetName, split: .test)
        let predictions = try model.predict(test, normalization: normalization, device: device)
        let metrics = try ClassifierMetrics.compute(labels: predictions.labels, predictions: predictions.predicted,
                                                    probabilities: predictions.probabilities,
                                                    classCount: test.classCount)
        try model.save(to: run.file("checkpoints/classifier.safetensors"), normalization: normalization)
        try run.writeJSON(TrainedClassifierResult(dataset: datasetName, trainCount: data.count, testCount: test.count,
                                                  epochs: global.effectiveEpochs(count: data.count),
                                                  batchSize: settings.batchSize, ranks: parallel?.worldSize ?? 1,
                                                  metrics: metrics),
                          to: "results/classifier.json")
        print(String(format: "accuracy %.4f on %d test images; classifier in %@/checkpoints/classifier.safetensors",
                     metrics.accuracy, test.count, folder))
    }
    try finishWithDigest(try ParameterDigest.of([model]), parallel)
    return 0
}

/// The contents of RUN/results/classifier.json, written by `gda train classifier`.
private struct TrainedClassifierResult: Encodable {
    var dataset: String
    var trainCount: Int
    var testCount: Int
    var epochs: Int
    /// Images per step and process.
    var batchSize: Int
    var ranks: Int
    var metrics: ClassifierMetrics
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
