import Foundation
import Torch

/// Trains a DCGAN, cGAN or MADGAN into a run folder:
///
/// ```
/// RUN/config.json              the resolved configuration
/// RUN/checkpoints/             step checkpoints, `latest`, generator.safetensors
/// RUN/samples/epoch-001.png    a sample grid per epoch
/// RUN/events.out.tfevents.*    TensorBoard scalars and grids
/// RUN/metrics.jsonl            the same scalars, one JSON object per line
/// ```
///
/// A run stopped at any point continues with `GANTrainer(resuming:)` exactly where its
/// newest checkpoint left it. On the CPU, N steps, a checkpoint, a resume and M more steps
/// give the same weights, bit for bit, as N + M steps without a stop.
public final class GANTrainer {
    public let folder: String
    public let config: GANConfig
    /// Receives every metric; by default TensorBoard events and metrics.jsonl in the run.
    public var sink: MetricSink
    /// Shows progress on standard error; nil for silence.
    public var progress: ProgressReporter?
    /// Computes extra metrics after each epoch (epoch number from 1, a snapshot of the
    /// sampling generator); the results go to the sink at that step.
    public var epochEnd: ((Int, TrainedGenerator) throws -> [String: Double])?

    let state: GANState
    let dataset: Dataset
    let objective: GANObjective
    let batches: DataLoader
    /// The process group of a data-parallel run; nil for one process.
    public let dataParallel: DataParallel?

    /// Starts a new run in `folder`, which must not hold a run already. In a data-parallel
    /// run only rank 0 checks and writes the folder.
    public convenience init(config: GANConfig, dataset: Dataset, folder: String,
                            dataParallel: DataParallel? = nil) throws {
        var config = config
        config.imageShape = ImageShape(channels: dataset.channels, height: dataset.height, width: dataset.width)
        config.classNames = dataset.classNames
        let configPath = "\(folder)/config.json"
        let writes = dataParallel?.isLeader ?? true
        guard !writes || !FileManager.default.fileExists(atPath: configPath) else {
            throw GDAError.config("\(folder) already contains a run; continue it with 'gda train --resume \(folder)' or choose another --out")
        }
        try config.validate()
        try Self.checkSize(dataset, config)
        if writes {
            try Self.makeFolders(folder)
            try GANCheckpoint.wrap { try AtomicFile.write(try config.json(), to: configPath) }
            try RunWorldSize.record(dataParallel?.worldSize ?? 1, folder: folder)
        }
        try self.init(config: config, dataset: dataset, folder: folder, state: try GANState(config: config),
                      dataParallel: dataParallel)
    }

    /// Continues the run in `folder` from its newest checkpoint, or from the start when it
    /// has none. `dataset` must be the run's training set (same images in the same order).
    public convenience init(resuming folder: String, dataset: Dataset, dataParallel: DataParallel? = nil) throws {
        let config = try GANConfig.read("\(folder)/config.json")
        try config.validate()
        try RunWorldSize.check(dataParallel?.worldSize ?? 1, folder: folder)
        let shape = ImageShape(channels: dataset.channels, height: dataset.height, width: dataset.width)
        guard shape == config.imageShape, dataset.classNames == config.classNames else {
            let found = shape == config.imageShape && dataset.classCount == config.classCount
                ? "classes \(dataset.classNames)" : "\(shape), \(dataset.classCount) classes"
            let expected = shape == config.imageShape && dataset.classCount == config.classCount
                ? "classes \(config.classNames)" : "\(config.imageShape), \(config.classCount) classes"
            throw GDAError.config("\(folder)/config.json: the run was trained on \(config.dataset) with \(expected), "
                + "but the dataset has \(found)")
        }
        let state = try GANState(config: config)
        let checkpoint = try GANCheckpoint.latest(folder)
        if let checkpoint {
            try GANCheckpoint.restore(state, from: checkpoint)
        }
        let batchCount = dataset.count / config.batchSize
        guard state.position.batch < max(batchCount, 1) else {
            throw GDAError.config("\(checkpoint ?? folder): the checkpoint stopped at batch \(state.position.batch) of an epoch, the dataset has \(batchCount) batches per epoch: it is not the run's training set")
        }
        if dataParallel?.isLeader ?? true {
            // Drops what the stopped process logged after its newest checkpoint.
            try RunRepair.prepareResume(folder, step: state.position.step)
            try Self.makeFolders(folder)
        }
        try self.init(config: config, dataset: dataset, folder: folder, state: state, dataParallel: dataParallel)
    }

    private init(config: GANConfig, dataset: Dataset, folder: String, state: GANState,
                 dataParallel: DataParallel?) throws {
        try Self.checkSize(dataset, config)
        self.folder = folder
        self.config = config
        self.dataset = dataset
        self.state = state
        self.dataParallel = dataParallel
        objective = GANObjective(config: config)
        batches = DataLoader(dataset: dataset, batchSize: config.batchSize, shuffle: true, dropLast: true,
                             seed: Seeds.derive(config.seed, "gan-data-order"),
                             shard: dataParallel?.shard ?? (0, 1), space: .gan, device: state.device)
        let writes = dataParallel?.isLeader ?? true
        sink = writes
            ? MultiSink([try TensorBoardSink(folder: folder), try JSONLinesSink(path: "\(folder)/metrics.jsonl")])
            : MultiSink([])
        try dataParallel?.prepare(state)
    }

    private static func checkSize(_ dataset: Dataset, _ config: GANConfig) throws {
        guard dataset.count >= config.batchSize else {
            throw GDAError.config("batch size \(config.batchSize) is larger than the \(dataset.count) training images")
        }
    }

    private static func makeFolders(_ folder: String) throws {
        do {
            for sub in ["", "/checkpoints", "/samples"] {
                try FileManager.default.createDirectory(atPath: folder + sub, withIntermediateDirectories: true)
            }
        } catch {
            throw GDAError("cannot create the run folder \(folder): \(error.localizedDescription)")
        }
    }

    /// The run's position in steps and in the data order.
    public var position: TrainingPosition { state.position }

    /// Whether this process writes the run's files: always, except on ranks other than 0.
    var writesFiles: Bool { dataParallel?.isLeader ?? true }

    /// Batches per epoch (per rank in a data-parallel run); the last partial batch of an
    /// epoch is dropped.
    public var batchesPerEpoch: Int { batches.batchCount }

    /// Steps of the whole run: `config.steps`, else epochs × batches per epoch.
    public var totalSteps: Int { config.steps ?? config.epochs * batchesPerEpoch }

    /// The generator as it is now (the moving average when enabled), copied for sampling.
    public func currentGenerator() throws -> TrainedGenerator {
        try TrainedGenerator.snapshot(of: state.samplingGenerator, config: config, step: state.position.step)
    }

    // MARK: - Training loop

    /// Trains until the run's end, or for at most `maxSteps` more steps; writes a checkpoint
    /// when it stops. Throws a run failure when a loss stops being finite, leaving the last
    /// good checkpoint in place.
    @discardableResult
    public func train(maxSteps: Int? = nil) throws -> TrainedGenerator {
        let stopStep = min(totalSteps, state.position.step + (maxSteps ?? totalSteps))
        var meter = StepMeter()
        var lastSaved = state.position.step
        while state.position.step < stopStep {
            let iterator = batches.makeIterator(epoch: state.position.epoch, startBatch: state.position.batch)
            defer { iterator.stop() }
            while state.position.step < stopStep, let batch = try iterator.next() {
                let started = Date()
                let losses = try trainStep(real: batch.images, labels: batch.labels)
                state.position.step += 1
                state.position.batch += 1
                meter.add(losses, seconds: Date().timeIntervalSince(started))
                try report(&meter)
                let epochDone = state.position.batch >= batchesPerEpoch
                if epochDone { try finishEpoch(&meter) }
                if state.position.step - lastSaved >= config.checkpointEvery || state.position.step == stopStep {
                    // A resumed run starts a new logging interval at its checkpoint, so every
                    // run ends one there: the records are the same whether or not it stopped.
                    if let means = meter.drain() {
                        for (tag, value) in means { try sink.scalar(tag: tag, value: value, step: state.position.step) }
                    }
                    if state.position.step == totalSteps && state.position.batch > 0 {
                        // The run ends inside an epoch: one more grid shows the final weights.
                        // It goes out before the last checkpoint, which a resume never repeats.
                        try writeGrid(name: String(format: "step-%06d", state.position.step))
                    }
                    try sink.flush()
                    if writesFiles { try GANCheckpoint.save(state, run: folder) }
                    lastSaved = state.position.step
                }
                if epochDone { break }
            }
        }
        if let means = meter.drain() {
            for (tag, value) in means { try sink.scalar(tag: tag, value: value, step: state.position.step) }
        }
        try sink.flush()
        progress?.finish()
        return try currentGenerator()
    }

    /// One step: a discriminator update on one real batch and, every
    /// `discriminatorSteps` steps, a generator update.
    func trainStep(real: Tensor, labels: Tensor) throws -> StepLosses {
        let b = real.shape[0]
        let k = config.generators
        let classLabels = config.model == .cgan ? labels : nil
        let updateGenerators = (state.position.step + 1) % config.discriminatorSteps == 0

        // Latents: (K·B, Z), generator-major for MADGAN. Fakes of a cGAN carry the labels of
        // the real batch, so both halves of the discriminator loss see the same classes.
        let z = try Tensor.randn([k * b, GANArchitecture.latentSize], generator: state.noise, device: state.device)
        let fake = try withGradEnabled(updateGenerators) { try state.generator.generate(z, labels: classLabels) }

        // Discriminator: real vs fake.
        //   binary:     L_D = E[-log D(x)] + E[-log(1 - D(G(z)))]
        //   multiclass: L_D = E[-log softmax(D(x))_K] + E_i[-log softmax(D(G_i(z)))_i]
        let outcome = try objective.discriminatorLoss(state.discriminator, real: real, fake: try fake.detach(),
                                                      labels: classLabels)
        state.discriminatorOptimizer.zeroGrad()
        try outcome.loss.backward()
        try dataParallel?.averageGradients(of: state.discriminatorOptimizer.parameters)
        try state.discriminatorOptimizer.step()
        let lossD = try outcome.loss.item(as: Double.self)
        try checkFinite(lossD, "loss/d")
        let accuracy = try objective.accuracies(realLogits: outcome.realLogits, fakeLogits: outcome.fakeLogits)

        // Generators: be called real.
        //   binary:     L_G = E[-log D(G(z))]
        //   multiclass: L_G = E_i[-log softmax(D(G_i(z)))_K]
        var lossG: Double?
        if updateGenerators {
            // The discriminator's weights need no gradient here; its batch-norm statistics
            // still update, as in the reference step.
            let discriminatorWeights = state.discriminator.parameters()
            for weight in discriminatorWeights { try weight.requiringGrad(false) }
            defer { for weight in discriminatorWeights { _ = try? weight.requiringGrad(true) } }
            let loss = try objective.generatorLoss(state.discriminator, fake: fake, labels: classLabels)
            state.generatorOptimizer.zeroGrad()
            try loss.backward()
            try dataParallel?.averageGradients(of: state.generatorOptimizer.parameters)
            try state.generatorOptimizer.step()
            lossG = try loss.item(as: Double.self)
            try checkFinite(lossG ?? .nan, "loss/g")
            try state.updateAverage()
        }
        return StepLosses(discriminator: lossD, generator: lossG, realAccuracy: accuracy.real,
                          fakeAccuracy: accuracy.fake)
    }

    /// Stops the run on a NaN or infinite loss, naming the step and the newest checkpoint.
    private func checkFinite(_ value: Double, _ tag: String) throws {
        guard !value.isFinite else { return }
        let kept = (try? GANCheckpoint.latest(folder)).flatMap { $0 }
        try? sink.flush()
        throw DivergenceError(step: state.position.step + 1, quantity: tag, value: value, checkpoint: kept)
    }

    // MARK: - Reporting

    private func report(_ meter: inout StepMeter) throws {
        let step = state.position.step
        progress?.update(completed: step, values: [
            "loss/d": meter.latest.discriminator, "loss/g": meter.latestGenerator,
        ], note: "epoch \(state.position.epoch + 1)")
        guard step % config.logEvery == 0, let means = meter.drain() else { return }
        for (tag, value) in means { try sink.scalar(tag: tag, value: value, step: step) }
    }

    private func finishEpoch(_ meter: inout StepMeter) throws {
        let epoch = state.position.epoch + 1
        let step = state.position.step
        try dataParallel?.synchronizeBatchNorm(state)
        // The epoch's last steps go out even when they fill less than a logging interval.
        if let means = meter.drain() {
            for (tag, value) in means { try sink.scalar(tag: tag, value: value, step: step) }
        }
        try writeGrid(name: String(format: "epoch-%03d", epoch))
        if let epochEnd, writesFiles {
            let values = try epochEnd(epoch, try currentGenerator())
            for (tag, value) in values.sorted(by: { $0.key < $1.key }) {
                try sink.scalar(tag: tag, value: value, step: step)
            }
        }
        try sink.flush()
        progress?.log("epoch \(epoch) done at step \(step)")
        state.position.epoch += 1
        state.position.batch = 0
    }

    /// Writes `samples/NAME.png` from the fixed grid noise and sends it to the sink; only
    /// the process that writes the run's files does.
    private func writeGrid(name: String) throws {
        guard writesFiles else { return }
        let generator = try TrainedGenerator(config: config, model: state.samplingGenerator,
                                             step: state.position.step)
        defer { state.samplingGenerator.train() }
        let image = try generator.grid(noise: state.gridNoise, columns: config.gridColumns)
        let png = try PNG.encode(image)
        try GANCheckpoint.wrap { try AtomicFile.write(png, to: "\(folder)/samples/\(name).png") }
        try sink.image(tag: "samples", png: png, step: state.position.step)
    }
}

/// The losses and accuracies of one step.
struct StepLosses {
    let discriminator: Double
    /// Nil on steps without a generator update.
    let generator: Double?
    let realAccuracy: Double
    let fakeAccuracy: Double
}

/// Averages step results over one logging interval.
struct StepMeter {
    private var sums: [String: Double] = [:]
    private var counts: [String: Int] = [:]
    private(set) var latest = StepLosses(discriminator: .nan, generator: nil, realAccuracy: 0, fakeAccuracy: 0)
    private(set) var latestGenerator = Double.nan

    mutating func add(_ losses: StepLosses, seconds: Double) {
        latest = losses
        if let generator = losses.generator { latestGenerator = generator }
        accumulate("loss/d", losses.discriminator)
        if let generator = losses.generator { accumulate("loss/g", generator) }
        accumulate("d/accuracy_real", losses.realAccuracy)
        accumulate("d/accuracy_fake", losses.fakeAccuracy)
        accumulate("time/seconds_per_step", seconds)
    }

    private mutating func accumulate(_ tag: String, _ value: Double) {
        sums[tag, default: 0] += value
        counts[tag, default: 0] += 1
    }

    /// Returns the interval's means by tag, sorted, and resets the meter; nil when nothing
    /// was added.
    mutating func drain() -> [(String, Double)]? {
        guard !sums.isEmpty else { return nil }
        let means = sums.keys.sorted().map { ($0, sums[$0, default: 0] / Double(counts[$0, default: 1])) }
        sums.removeAll()
        counts.removeAll()
        return means
    }
}
