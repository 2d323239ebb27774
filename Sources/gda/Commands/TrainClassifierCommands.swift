import Foundation
import GDA
import Torch

let trainClassifierCommands: [Command] = [
    Command(["train", "classifier"], summary: "Train the reference classifier, on one process or data-parallel",
            usage: """
            Usage: gda train classifier --dataset NAME --out RUN [options]
                   gda train --resume RUN

            Trains the reference classifier with Adam on the training split (or a stratified
            subset of it), evaluates it on the test split and writes
            RUN/checkpoints/classifier.safetensors and RUN/results/classifier.json. Every process
            prints params-digest=HEX, a digest of the final parameters.

            On one process the run keeps its settings in RUN/config.json and saves its whole
            training state (weights, Adam's moments, random generators, position) in
            RUN/checkpoints/ every --checkpoint-every steps and after every epoch. A run that
            stops for any reason continues with 'gda train --resume RUN' and ends with the
            weights an uninterrupted run ends with, bit for bit on the CPU.

            Launched by torchrun or srun (see docs/distributed.md) it trains data-parallel: each
            rank takes --batch-size images of every step and gradients are averaged, so N ranks
            with batch B train as one process with batch N*B. Rank 0 alone writes RUN.
            Data-parallel runs save no step checkpoints and cannot be resumed.

            Options:
              --dataset NAME        mnist, fashion-mnist, cifar10, idx:PATH or folder:PATH
              --out RUN             run folder to write
              --epochs N            passes over the training set (default 10)
              --batch-size N        images per step, per process (default 64)
              --limit N             train on a stratified subset of N images
              --augment POLICY      traditional augmentation of every batch: none, digits,
                                    fashion, cifar10, auto or default (the dataset's); default none
              --seed S              seed of the subset, the initial weights, dropout, augmentation
                                    and the batch order (default 0)
              --no-dropout          leave out the hidden layer's dropout
              --checkpoint-every N  steps between checkpoints (default 500)
              --keep-checkpoints N  step checkpoints kept (default 3)
              --resume RUN          continue RUN from its newest checkpoint
              --device DEV          cpu, cuda or cuda:N (default cpu)

            One gda process at a time may write to RUN; a second one exits with status 2.

            Environment:
              GDA_DIST_TIMEOUT  seconds a distributed run waits for its peers (default 1800)
            """, flags: ["no-dropout"]) { arguments in
        if let folder = arguments.string("resume") {
            try arguments.finishResume()
            return try resumeClassifier(folder)
        }
        return try runTrainClassifier(&arguments)
    },
]

private func runTrainClassifier(_ arguments: inout Arguments) throws -> Int32 {
    guard let datasetName = arguments.string("dataset") else {
        throw UsageError("--dataset NAME is required", hint: "gda train classifier --help")
    }
    guard let folder = arguments.string("out") else {
        throw UsageError("--out RUN is required", hint: "gda train classifier --help")
    }
    var config = ClassifierRunConfig(dataset: datasetName)
    config.epochs = try arguments.int("epochs", range: 1...100_000) ?? config.epochs
    config.batchSize = try arguments.int("batch-size", range: 1...65536) ?? config.batchSize
    config.limit = try arguments.int("limit", range: 1...Int(Int32.max))
    config.augment = arguments.string("augment")
    if let seed = arguments.string("seed") {
        guard let value = UInt64(seed) else { throw UsageError("--seed expects a non-negative integer, found '\(seed)'") }
        config.seed = value
    }
    if try arguments.flag("no-dropout") { config.dropout = 0 }
    config.checkpointEvery = try arguments.int("checkpoint-every", range: 1...Int(Int32.max)) ?? config.checkpointEvery
    config.keepCheckpoints = try arguments.int("keep-checkpoints", range: 1...1000) ?? config.keepCheckpoints
    let deviceName = arguments.string("device")
    config.device = deviceName ?? config.device
    try arguments.finish()
    if let policy = config.augment, policy != "default", !AugmentPolicy.names.contains(policy) {
        throw UsageError("unknown augmentation policy '\(policy)': expected default or "
            + AugmentPolicy.names.joined(separator: ", "), hint: "gda train classifier --help")
    }

    let parallel = try joinDataParallel()
    let device = try parseDevice(deviceName.map { rankDevice($0, parallel) })
    if let parallel {
        return try trainDataParallel(config, folder: folder, parallel: parallel, device: device)
    }
    // The data loads first, so that a bad dataset name leaves no run folder behind.
    let data = try ClassifierRun.trainingSet(config)
    let run = try RunFolder(folder, create: true)
    let job = ClassifierRun(config: config, folder: folder, data: data)
    try job.start()
    writeError("gda train: training the classifier on \(job.data.count) \(datasetName) images into \(folder)")
    return try withExtendedLifetime(run) {
        try train(job, run: run, device: device)
    }
}

/// Continues a single-process classifier run from its newest checkpoint.
func resumeClassifier(_ folder: String) throws -> Int32 {
    if try joinDataParallel() != nil {
        throw GDAError.config("\(folder): a classifier run resumes on one process; start it without torchrun or srun")
    }
    let run = try RunFolder(folder, create: false)
    if let model = ClassifierRunConfig.model(ofRun: folder), model != ClassifierRunConfig.modelName {
        throw GDAError.config("\(folder) is a \(model) run; resume it with 'gda train --resume \(folder)'")
    }
    guard FileManager.default.fileExists(atPath: "\(folder)/config.json") else {
        throw GDAError.config("\(folder)/config.json not found: \(folder) contains no classifier run "
            + "(a run stopped before writing it starts again with 'gda train classifier --out \(folder)')")
    }
    let config = try ClassifierRunConfig.read("\(folder)/config.json")
    let device = try parseDevice(config.device)
    let job = ClassifierRun(config: config, folder: folder, data: try ClassifierRun.trainingSet(config))
    job.removeTemporaries()
    if let model = job.finishedClassifier() {
        print("\(folder): finished already; classifier in \(folder)/checkpoints/classifier.safetensors")
        print(ParameterDigest.line(try ParameterDigest.of([model])))
        return 0
    }
    let origin = try job.latestCheckpoint().map { "from \($0)" } ?? "from the start (no checkpoint yet)"
    writeError("gda train: resuming \(folder) \(origin)")
    return try withExtendedLifetime(run) {
        try train(job, run: run, device: device)
    }
}

/// Trains `job` to its end with progress on standard error, then evaluates and saves it.
private func train(_ job: ClassifierRun, run: RunFolder, device: Device) throws -> Int32 {
    let progress = ProgressReporter(label: "classifier", total: job.totalSteps, completed: try job.completedSteps())
    let model = try job.train(device: device, onStep: { step, _ in
        progress.update(completed: step)
    }, onEpoch: { epoch, epochs, loss, accuracy in
        progress.log(String(format: "epoch %d/%d loss %.4f train accuracy %.4f", epoch, epochs, loss, accuracy))
    })
    progress.finish()
    try evaluateAndSave(model, config: job.config, data: job.data, normalization: job.normalization, run: run,
                        device: device, ranks: 1)
    print(ParameterDigest.line(try ParameterDigest.of([model])))
    return 0
}

/// Trains data-parallel under torchrun or srun, without step checkpoints; rank 0 writes RUN.
private func trainDataParallel(_ config: ClassifierRunConfig, folder: String, parallel: DataParallel,
                               device: Device) throws -> Int32 {
    let run = parallel.isLeader ? try RunFolder(folder, create: true) : nil
    let data = try ClassifierRun.trainingSet(config)
    let job = ClassifierRun(config: config, folder: folder, data: data)
    let progress = ProgressPrinter(label: "classifier")
    if run != nil {
        progress.line("training on \(data.count) \(config.dataset) images on \(parallel.worldSize) ranks of batch "
            + "\(config.batchSize)")
    }
    var trainer = ClassifierTrainer(settings: config.settings, normalization: job.normalization,
                                    transform: try job.transform(), device: device) { epoch, epochs, loss, accuracy in
        guard run != nil else { return }
        progress.line(String(format: "epoch %d/%d loss %.4f train accuracy %.4f", epoch, epochs, loss, accuracy))
    }
    trainer.dataParallel = parallel
    let model = try trainer.train(data)
    if let run {
        try evaluateAndSave(model, config: config, data: data, normalization: job.normalization, run: run,
                            device: device, ranks: parallel.worldSize)
    }
    try finishWithDigest(try ParameterDigest.of([model]), parallel)
    return 0
}

/// Evaluates on the test split, then writes the classifier and its results.
private func evaluateAndSave(_ model: ClassifierNet, config: ClassifierRunConfig, data: Dataset,
                             normalization: Normalization, run: RunFolder, device: Device, ranks: Int) throws {
    let test = try DatasetSource.load(config.dataset, split: .test)
    let predictions = try model.predict(test, normalization: normalization, device: device)
    let metrics = try ClassifierMetrics.compute(labels: predictions.labels, predictions: predictions.predicted,
                                                probabilities: predictions.probabilities, classCount: test.classCount)
    try model.save(to: run.file("checkpoints/classifier.safetensors"), normalization: normalization)
    var global = config.settings
    global.batchSize *= ranks
    try run.writeJSON(TrainedClassifierResult(dataset: config.dataset, trainCount: data.count, testCount: test.count,
                                              epochs: global.effectiveEpochs(count: data.count),
                                              batchSize: config.batchSize, ranks: ranks, limit: config.limit,
                                              augment: config.augment, learningRate: config.learningRate,
                                              dropout: config.dropout, seed: config.seed, metrics: metrics),
                      to: "results/classifier.json")
    print("accuracy \(decimal(metrics.accuracy)) on \(test.count) test images; classifier in "
        + "\(run.path)/checkpoints/classifier.safetensors")
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
    var limit: Int?
    var augment: String?
    var learningRate: Double
    var dropout: Double
    var seed: UInt64
    var metrics: ClassifierMetrics
}
