import Foundation
import GDA
import Torch

let trainCommands: [Command] = [
    Command(["train"], summary: "Train a cgan, madgan or dcgan into a run folder, or resume any training run",
            usage: """
            Usage: gda train MODEL --dataset NAME --out RUN [options]
                   gda train --resume RUN

            MODEL is cgan, madgan or dcgan ('gda train classifier --help' describes the
            classifier). --resume continues a GAN or classifier run. NAME is mnist, fashion-mnist, cifar10, folder:PATH or
            idx:PATH (the training split is used). The run folder receives config.json,
            checkpoints/, samples/ (a grid per epoch), TensorBoard events and metrics.jsonl.

            Options:
              --epochs N            epochs to train (default 10)
              --steps N             steps to train instead of epochs (one real batch each)
              --batch-size N        real images per step (default 64)
              --generators K        MADGAN generators (default 10)
              --shared-blocks N     generator blocks the MADGAN generators share
                                    (default: all but the last)
              --discriminator KIND  cgan: projection (default) or concat;
                                    madgan: multiclass (default) or binary (the ablation)
              --limit N             train on a stratified subset of N images
              --seed S              seed of every random draw (default 0)
              --device D            cpu (default), cuda or cuda:N
              --checkpoint-every N  steps between checkpoints (default 500)
              --keep-checkpoints N  step checkpoints kept (default 3)
              --ema DECAY           keep a moving average of the generator weights
              --d-steps N           discriminator updates per generator update (default 1)
              --label-smoothing X   one-sided smoothing of the real targets (default 0)
              --log-every N         steps between metric records (default 10)
              --learning-rate X     Adam's learning rate for both networks (default 0.0002)
              --resume RUN          continue RUN from its newest checkpoint
              --sync-batchnorm      in a distributed run, average BatchNorm running statistics
                                    over the ranks after every epoch (default: per rank)
              --on-divergence WHAT  stop (default) or rollback: when a loss or weight stops
                                    being finite, resume from the newest checkpoint with the
                                    learning rate divided by 10 (recorded in config.json and
                                    RUN/rollbacks.jsonl); also with --resume; single process only
              --max-rollbacks N     rollbacks allowed over the run's life (default 3)

            One gda process at a time may write to RUN; a second one exits with status 2.
            Launched by torchrun or srun it trains data-parallel, --batch-size images per rank
            and step; see docs/distributed.md.
            """, flags: ["sync-batchnorm"]) { arguments in
        try runTrain(&arguments)
    },
    Command(["sample"], summary: "Write images sampled from a trained GAN run",
            usage: """
            Usage: gda sample RUN --count N --out DIR [--format png|idx|safetensors] [--seed S]

            Samples N images from RUN's latest generator (its moving average when the run keeps
            one). cGAN images cycle through the classes; MADGAN images pick a generator
            uniformly, then a latent vector.

            Formats:
              png          one folder per class (cGAN) or generator (MADGAN), with classes.txt
                           and labels.csv; the default
              idx          train-images-idx3-ubyte and train-labels-idx1-ubyte, readable as
                           --dataset idx:DIR (labels are classes for cGAN, generator indices
                           for MADGAN, 0 for DCGAN)
              safetensors  samples.safetensors: images (uint8), latents (float32) and labels
                           or generators (int64)

            Options:
              --device D   cpu (default), cuda or cuda:N
            """) { arguments in
        try runSample(&arguments)
    },
]

// MARK: - gda train

private func runTrain(_ arguments: inout Arguments) throws -> Int32 {
    let batchNormSync: BatchNormSync = try arguments.flag("sync-batchnorm") ? .epochAverage : .perRank
    let divergence = try DivergencePolicy(&arguments)
    if let folder = arguments.string("resume") {
        try arguments.finishResume()
        if ClassifierRunConfig.model(ofRun: folder) == ClassifierRunConfig.modelName {
            if divergence.rollback || batchNormSync != .perRank {
                throw UsageError("--on-divergence and --sync-batchnorm apply to GAN runs; \(folder) is a classifier run")
            }
            return try resumeClassifier(folder)
        }
        return try resume(folder, batchNormSync: batchNormSync, divergence: divergence)
    }
    guard let modelName = arguments.positionals.first else {
        throw UsageError("gda train needs a model: cgan, madgan or dcgan (or 'gda train classifier')",
                         hint: "gda train --help")
    }
    guard let model = GANModel(rawValue: modelName) else {
        throw UsageError("unknown model '\(modelName)': expected cgan, madgan or dcgan", hint: "gda train --help")
    }
    guard let datasetName = arguments.string("dataset") else {
        throw UsageError("gda train \(modelName) needs --dataset NAME", hint: "gda train --help")
    }
    guard let folder = arguments.string("out") else {
        throw UsageError("gda train \(modelName) needs --out RUN, the run folder to write", hint: "gda train --help")
    }
    var config = GANConfig(model: model, dataset: datasetName)
    config.epochs = try arguments.int("epochs", range: 1...1_000_000) ?? config.epochs
    config.steps = try arguments.int("steps", range: 1...Int(Int32.max))
    config.batchSize = try arguments.int("batch-size", range: 2...65536) ?? config.batchSize
    if let generators = try arguments.int("generators", range: 1...1000) {
        guard model == .madgan else {
            throw UsageError("--generators applies to madgan only; \(modelName) has one generator")
        }
        config.generators = generators
    }
    let sharedBlocks = try arguments.int("shared-blocks", range: 1...100)
    if let kind = arguments.string("discriminator") {
        guard let parsed = DiscriminatorKind(rawValue: kind) else {
            throw UsageError("unknown discriminator '\(kind)': expected "
                + DiscriminatorKind.allowed(for: model).map(\.rawValue).joined(separator: " or "))
        }
        config.discriminator = parsed
    }
    config.limit = try arguments.int("limit", range: 1...Int(Int32.max))
    if let seed = arguments.string("seed") {
        guard let value = UInt64(seed) else { throw UsageError("--seed expects a non-negative integer, found '\(seed)'") }
        config.seed = value
    }
    config.device = arguments.string("device") ?? config.device
    config.checkpointEvery = try arguments.int("checkpoint-every", range: 1...Int(Int32.max)) ?? config.checkpointEvery
    config.keepCheckpoints = try arguments.int("keep-checkpoints", range: 1...1000) ?? config.keepCheckpoints
    config.emaDecay = try arguments.double("ema")
    config.discriminatorSteps = try arguments.int("d-steps", range: 1...100) ?? config.discriminatorSteps
    config.labelSmoothing = try arguments.double("label-smoothing", range: 0...0.99) ?? config.labelSmoothing
    config.logEvery = try arguments.int("log-every", range: 1...Int(Int32.max)) ?? config.logEvery
    config.learningRate = try arguments.double("learning-rate") ?? config.learningRate
    try arguments.finish(maximumPositionals: 1)

    // Settings are checked before the dataset loads; the shape-dependent ones again after.
    var early = config
    early.sharedBlocks = min(sharedBlocks ?? 1, GANArchitecture.generatorBlockCount(.colour32) - 1)
    try early.validate()
    let parallel = try joinDataParallel(batchNormSync: batchNormSync)
    config.device = rankDevice(config.device, parallel)
    try prepareDevice(config.device)
    let dataset = try trainingSet(config)
    // The shape is known only now: its default shared-block count may differ.
    config.imageShape = ImageShape(channels: dataset.channels, height: dataset.height, width: dataset.width)
    config.sharedBlocks = sharedBlocks ?? GANArchitecture.generatorBlockCount(config.imageShape) - 1
    let lock = try lockRun(folder)
    let trainer: GANTrainer
    do {
        trainer = try GANTrainer(config: config, dataset: dataset, folder: folder, dataParallel: parallel)
    } catch {
        lock?.removeFolderIfUnused()
        throw error
    }
    return try withExtendedLifetime(lock) {
        try run(trainer, dataset: dataset, divergence: divergence,
                starting: "training \(modelName) on \(dataset.count) \(datasetName) images into \(folder)")
    }
}

private func resume(_ folder: String, batchNormSync: BatchNormSync, divergence: DivergencePolicy) throws -> Int32 {
    let config = try GANConfig.read("\(folder)/config.json")
    let parallel = try joinDataParallel(batchNormSync: batchNormSync)
    try prepareDevice(rankDevice(config.device, parallel))
    let dataset = try trainingSet(config)
    let lock = try lockRun(folder)
    return try withExtendedLifetime(lock) {
        let trainer = try GANTrainer(resuming: folder, dataset: dataset, dataParallel: parallel)
        guard trainer.position.step < trainer.totalSteps else {
            print("\(folder): finished already (\(trainer.totalSteps) steps)")
            return 0
        }
        return try run(trainer, dataset: dataset, divergence: divergence,
                       starting: "resuming \(folder) at step \(trainer.position.step)")
    }
}

private func run(_ first: GANTrainer, dataset: Dataset, divergence: DivergencePolicy,
                 starting message: String) throws -> Int32 {
    var trainer = first
    let parallel = trainer.dataParallel
    let leads = parallel?.isLeader ?? true
    if leads {
        let ranks = parallel.map { " on each of \($0.worldSize) ranks" } ?? ""
        writeError("gda train: \(message): \(trainer.totalSteps) steps, \(trainer.batchesPerEpoch) batches per epoch\(ranks)")
    }
    while true {
        if leads {
            trainer.progress = ProgressReporter(label: trainer.config.model.rawValue, total: trainer.totalSteps,
                                                completed: trainer.position.step)
        }
        do {
            try trainer.train()
            break
        } catch let error as DivergenceError where parallel == nil {
            // Rollback restarts one process from its checkpoint; distributed runs stop instead.
            trainer.progress?.finish()
            trainer = try rollBack(after: error, trainer.folder, dataset: dataset, divergence: divergence)
        }
    }
    if leads {
        print("\(trainer.folder): \(trainer.position.step) steps; generator in "
            + "\(trainer.folder)/checkpoints/generator.safetensors")
    }
    try finishWithDigest(try trainer.parameterDigest(), parallel)
    return 0
}

/// Loads the run's training images: the training split, or its stratified subset of `limit`.
private func trainingSet(_ config: GANConfig) throws -> Dataset {
    let full = try DatasetSource.load(config.dataset, split: .train)
    guard let limit = config.limit, limit < full.count else { return full }
    return full.stratifiedSubset(count: limit, seed: Seeds.derive(config.seed, "gan-subset"))
}

/// Loads libtorch's CUDA library for a CUDA device, failing clearly when there is none.
private func prepareDevice(_ name: String) throws {
    guard let device = Device(name) else {
        throw UsageError("--device must be cpu, cuda or cuda:N, found '\(name)'")
    }
    guard case .cuda(let index) = device else { return }
    do {
        try Torch.loadCUDA()
    } catch {
        throw GDAError("--device \(name): cannot load libtorch's CUDA library (\(error)); use --device cpu")
    }
    guard Torch.cudaIsAvailable, index < Torch.cudaDeviceCount else {
        throw GDAError("--device \(name): no such CUDA device (found \(Torch.cudaDeviceCount)); use --device cpu")
    }
}

// MARK: - gda sample

private func runSample(_ arguments: inout Arguments) throws -> Int32 {
    guard let folder = arguments.positionals.first else {
        throw UsageError("gda sample needs a run folder", hint: "gda sample --help")
    }
    guard let count = try arguments.int("count", range: 1...10_000_000) else {
        throw UsageError("gda sample needs --count N", hint: "gda sample --help")
    }
    guard let output = arguments.string("out") else {
        throw UsageError("gda sample needs --out DIR", hint: "gda sample --help")
    }
    let format = arguments.string("format") ?? "png"
    guard ["png", "idx", "safetensors"].contains(format) else {
        throw UsageError("--format must be png, idx or safetensors, found '\(format)'")
    }
    var seed: UInt64 = 0
    if let text = arguments.string("seed") {
        guard let value = UInt64(text) else { throw UsageError("--seed expects a non-negative integer, found '\(text)'") }
        seed = value
    }
    let deviceName = arguments.string("device") ?? "cpu"
    try arguments.finish(maximumPositionals: 1)
    try prepareDevice(deviceName)

    let generator = try TrainedGenerator.load(folder, device: Device(deviceName) ?? .cpu)
    let batch = try generator.sample(count: count, seed: seed)
    switch format {
    case "safetensors":
        try makeOutputFolder(output)
        var tensors = [("images", batch.images), ("latents", batch.latents)]
        if let labels = batch.labels { tensors.append(("labels", try Tensor(labels.map(Int64.init)))) }
        if let generators = batch.generators { tensors.append(("generators", try Tensor(generators.map(Int64.init)))) }
        do {
            try SafeTensors.save(tensors, to: "\(output)/samples.safetensors",
                                 metadata: ["run": folder, "seed": String(seed), "step": String(generator.step)])
        } catch let error as TorchError {
            throw GDAError(error.message)
        }
    case "idx":
        try IDX.write(try sampleDataset(batch, generator.config), folder: output, prefix: "train")
    default:
        try ImageFolderWriter.write(try sampleDataset(batch, generator.config), folder: output)
    }
    print("\(output): \(count) \(generator.config.model.rawValue) samples (\(format)) from step \(generator.step)")
    return 0
}

/// Samples as a dataset: classes for cGAN, one class per generator for MADGAN, one class
/// for DCGAN.
private func sampleDataset(_ batch: SampleBatch, _ config: GANConfig) throws -> Dataset {
    let shape = batch.images.shape
    let labels: [Int32]
    let classNames: [String]
    switch config.model {
    case .cgan:
        labels = batch.labels ?? []
        classNames = config.classNames
    case .madgan:
        labels = batch.generators ?? []
        classNames = (0..<config.generators).map { "generator \($0)" }
    case .dcgan:
        labels = Array(repeating: 0, count: shape[0])
        classNames = ["sample"]
    }
    return Dataset(name: "\(config.model.rawValue) samples", images: try batch.images.scalars(as: UInt8.self),
                   labels: labels, channels: shape[1], height: shape[2], width: shape[3], classNames: classNames)
}
