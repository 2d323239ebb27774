import Foundation
import Torch

/// The main job: Set 1 (train and score generators), Set 2 (generate and label), Set 3
/// (classifiers on real and synthetic mixes) and the report, each stage recorded in
/// `state.json` so that `gda experiment resume` continues where a run stopped.
public final class Experiment {
    public let config: ExperimentConfig
    public let run: RunFolder
    let log: @Sendable (String) -> Void
    let device: Device
    /// The folder that caches the domain network between runs.
    public var cacheFolder = Catalog.cacheFolder

    // Loaded on demand and shared by the stages.
    var trainSet: Dataset!
    var testSet: Dataset!
    var domain: DomainNetwork!

    public init(config: ExperimentConfig, run: RunFolder, log: @escaping @Sendable (String) -> Void) throws {
        self.config = config
        self.run = run
        self.log = log
        guard let device = Device(config.device) else {
            throw GDAError.config("config key 'device' must be cpu, cuda or cuda:N, found '\(config.device)'")
        }
        self.device = device
    }

    /// Runs every stage that is not yet done, in order. With `stopBeforeClassify` it stops
    /// before Set 3, so that sweep workers (`gda experiment classify`) can share its runs.
    public func execute(stopBeforeClassify: Bool = false) throws {
        if config.threads > 0 { Torch.threads = config.threads }
        try run.write(config.encoded(), to: "config.json")
        try stage("data") { try loadData() }
        try loadDataIfNeeded()
        try stage("domain") { try loadDomain() }
        for model in config.gan.models {
            try stage("gan-\(model)") { try trainGAN(model) }
        }
        if config.gan.models.contains("madgan") || config.labeling.filterCGAN {
            try stage("auxiliary") { try trainAuxiliary() }
        }
        for model in config.gan.models {
            try stage("label-\(model)") { try label(model) }
        }
        if stopBeforeClassify { return }
        try stage("classify") { try classify() }
        try stage("report") { try report() }
        try run.markFinished()
    }

    /// Runs `body` unless `name` is recorded as done, then records it with its duration.
    func stage(_ name: String, _ body: () throws -> Void) throws {
        if run.isDone(name) {
            log("\(name): done earlier, skipped")
            return
        }
        log("\(name): starting")
        let started = Date()
        try body()
        let seconds = Date().timeIntervalSince(started)
        try run.markDone(name, seconds: seconds)
        log("\(name): finished in \(String(format: "%.1f", seconds)) s")
    }

    // MARK: - Data

    func loadData() throws {
        try loadDataIfNeeded()
        try run.writeJSON(DataSummary(dataset: config.dataset, train: trainSet.count, test: testSet.count,
                                      classNames: trainSet.classNames,
                                      shape: [trainSet.channels, trainSet.height, trainSet.width]),
                          to: "results/data.json")
    }

    func loadDataIfNeeded() throws {
        guard trainSet == nil else { return }
        trainSet = try DatasetSource.load(config.dataset, split: .train)
        testSet = try DatasetSource.load(config.dataset, split: .test)
        guard trainSet.imageSize == testSet.imageSize, trainSet.classCount == testSet.classCount else {
            throw GDAError("\(config.dataset): training and test images differ in shape or classes")
        }
        log("data: \(config.dataset) with \(trainSet.count) training and \(testSet.count) test images, "
            + "\(trainSet.classCount) classes, \(trainSet.channels)x\(trainSet.height)x\(trainSet.width)")
    }

    struct DataSummary: Codable {
        var dataset: String
        var train: Int
        var test: Int
        var classNames: [String]
        var shape: [Int]
    }

    // MARK: - Domain network

    func loadDomain() throws {
        let settings = ClassifierSettings(epochs: config.domain.epochs, batchSize: config.domain.batchSize,
                                          augmentPolicy: policyName, seed: Seeds.derive(config.seed, "domain"))
        domain = try DomainNetwork.load(dataset: config.dataset, train: trainSet, test: testSet, settings: settings,
                                        augment: try augmentTransform(), limit: config.domain.limit, device: device,
                                        cacheFolder: cacheFolder, log: log)
        try run.writeJSON(["test_accuracy": domain.testAccuracy], to: "results/domain.json")
    }

    func domainIfNeeded() throws -> DomainNetwork {
        if domain == nil { try loadDomain() }
        return domain
    }

    /// The augmentation policy for this dataset: the config's, or the dataset's default.
    var policyName: String {
        config.classifiers.augmentPolicy == "default"
            ? AugmentPolicy.defaultName(forDataset: config.dataset)
            : config.classifiers.augmentPolicy
    }

    func augmentTransform() throws -> BatchTransform {
        let pipeline = try AugmentPolicy.named(policyName, channels: trainSet.channels)
        return { images, generator in try pipeline.apply(images, generator: generator).0 }
    }
}
