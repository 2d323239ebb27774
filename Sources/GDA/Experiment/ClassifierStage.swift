import Foundation
import Torch

/// Everything Set 3's runs share: the real data, the synthetic pools and the settings.
public struct ClassifierContext {
    public var train: Dataset
    public var test: Dataset
    /// Normalisation from the full real training set, the same for every run.
    public var normalization: Normalization
    /// Labelled synthetic images per GAN model ("cgan", "madgan").
    public var syntheticPools: [String: Dataset]
    /// The traditional augmentation policy as a batch transform.
    public var augment: BatchTransform
    public var config: ExperimentConfig.ClassifierSection
    public var baseSeed: UInt64
    public var device: Device

    public init(train: Dataset, test: Dataset, normalization: Normalization, syntheticPools: [String: Dataset],
                augment: @escaping BatchTransform, config: ExperimentConfig.ClassifierSection, baseSeed: UInt64,
                device: Device) {
        self.train = train
        self.test = test
        self.normalization = normalization
        self.syntheticPools = syntheticPools
        self.augment = augment
        self.config = config
        self.baseSeed = baseSeed
        self.device = device
    }

    /// Returns the real subset of a run. It is the same for every source with the same fraction
    /// and seed, which is what makes the differences paired.
    public func realSubset(fraction: Double, seed: Int) -> Dataset {
        train.stratifiedSubset(fraction: fraction, seed: Seeds.derive(baseSeed, "real-subset", seed,
                                                                      Int((fraction * 1e9).rounded())))
    }

    /// Trains and scores the classifier of one run.
    public func run(_ spec: ClassifierRunSpec) throws -> ClassifierRunResult {
        let started = Date()
        let real = realSubset(fraction: spec.realFraction, seed: spec.seed)
        let extraCount = Int((Double(real.count) * spec.syntheticRatio).rounded())
        var data = real
        var syntheticCount = 0
        let mixSeed = Seeds.derive(baseSeed, "mix", spec.seed, Int((spec.realFraction * 1e9).rounded()))
        switch spec.source {
        case "real":
            break
        case "traditional":
            let copies = try augmentedCopies(of: real, count: extraCount, seed: mixSeed)
            data = data.appending(copies)
            syntheticCount = copies.count
        default:
            guard let model = spec.ganModel, let pool = syntheticPools[model] else {
                throw GDAError("no synthetic set for source \(spec.source)")
            }
            var drawn = pool.stratifiedSubset(count: Swift.min(extraCount, pool.count), seed: mixSeed)
            drawn.classNames = train.classNames
            data = data.appending(drawn)
            syntheticCount = drawn.count
        }
        var settings = ClassifierSettings(epochs: config.epochs, minimumSteps: config.minimumSteps,
                                          batchSize: config.batchSize, learningRate: 1e-3,
                                          augmentPolicy: spec.augmentsOnline ? config.augmentPolicy : nil,
                                          seed: Seeds.derive(baseSeed, "classifier", spec.seed))
        settings.augmentPolicy = spec.augmentsOnline ? config.augmentPolicy : nil
        let trainer = ClassifierTrainer(settings: settings, normalization: normalization,
                                        transform: spec.augmentsOnline ? augment : nil, device: device)
        let model = try trainer.train(data)
        let scores = try score(model)
        return ClassifierRunResult(spec: spec, realCount: real.count, syntheticCount: syntheticCount,
                                   epochs: settings.effectiveEpochs(count: data.count), scores: scores,
                                   seconds: Date().timeIntervalSince(started))
    }

    /// Trains a classifier on one GAN's synthetic pool alone and scores it on the real test set.
    public func runSyntheticOnly(model: String, seed: Int) throws -> ClassifierRunResult {
        let started = Date()
        guard var pool = syntheticPools[model], pool.count > 0 else {
            throw GDAError("no synthetic images for \(model)")
        }
        pool.classNames = train.classNames
        let settings = ClassifierSettings(epochs: config.epochs, minimumSteps: config.minimumSteps,
                                          batchSize: config.batchSize, seed: Seeds.derive(baseSeed, "classifier", seed))
        let trained = try ClassifierTrainer(settings: settings, normalization: normalization, device: device).train(pool)
        let spec = ClassifierRunSpec(realFraction: 0, syntheticRatio: 0, source: "\(model)-only", seed: seed)
        return ClassifierRunResult(spec: spec, realCount: 0, syntheticCount: pool.count,
                                   epochs: settings.effectiveEpochs(count: pool.count), scores: try score(trained),
                                   seconds: Date().timeIntervalSince(started))
    }

    func score(_ model: ClassifierNet) throws -> ClassifierScores {
        let predictions = try model.predict(test, normalization: normalization, device: device)
        let metrics = try ClassifierMetrics.compute(labels: predictions.labels, predictions: predictions.predicted,
                                                    probabilities: predictions.probabilities,
                                                    classCount: train.classCount)
        return ClassifierScores(accuracy: metrics.accuracy, balancedAccuracy: metrics.balancedAccuracy,
                                macroF1: metrics.macro.f1, calibrationError: metrics.expectedCalibrationError ?? .nan,
                                confusion: metrics.confusionMatrix)
    }

    /// `count` images made by augmenting randomly chosen images of `real` with the policy.
    func augmentedCopies(of real: Dataset, count: Int, seed: UInt64) throws -> Dataset {
        guard count > 0, real.count > 0 else { return real.subset([]) }
        var random = SplitMix64(seed: seed)
        let picks = (0..<count).map { _ in Int.random(in: 0..<real.count, using: &random) }
        let generator = try Generator(seed: seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * real.imageSize)
        for start in stride(from: 0, to: count, by: 256) {
            let batch = Array(picks[start..<Swift.min(start + 256, count)])
            let unit = try ImageSpace.bytesToUnit(real.imageTensor(batch))
            bytes += try ImageSpace.unitToBytes(augment(unit, generator)).scalars(as: UInt8.self)
        }
        return Dataset(name: "\(real.name)-augmented", images: bytes, labels: picks.map { real.labels[$0] },
                       channels: real.channels, height: real.height, width: real.width, classNames: real.classNames)
    }
}
