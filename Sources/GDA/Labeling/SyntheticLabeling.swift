import Foundation
import Torch

/// Draws images from a trained GAN and keeps labelled ones until every class reaches its
/// target or the draw budget is spent.
///
/// cGAN images keep the class they were generated for; with auxiliary classifiers given,
/// they must also pass the ensemble's filter with that same class. MADGAN (and DCGAN) images
/// get the ensemble's label and are kept only when confident and, if required, agreed on.
public struct SyntheticLabeling {
    public var targetPerClass: Int
    /// Images drawn at most, over all classes.
    public var budget: Int
    public var labeler: EnsembleLabeler
    public var seed: UInt64
    public var device: Device

    public init(targetPerClass: Int, budget: Int, labeler: EnsembleLabeler, seed: UInt64, device: Device = .cpu) {
        self.targetPerClass = targetPerClass
        self.budget = budget
        self.labeler = labeler
        self.seed = seed
        self.device = device
    }

    /// The labelled set and its yield.
    public struct Outcome {
        public var dataset: Dataset
        public var drawn: Int
        public var keptPerClass: [Int]
        /// MADGAN: images drawn and kept per generator.
        public var drawnPerGenerator: [Int]
        public var keptPerGenerator: [Int]

        public var kept: Int { keptPerClass.reduce(0, +) }
    }

    /// Labels images of `generator` with `members` (classifier and its normalisation); the
    /// result has the classes and image shape of `like`.
    public func run(_ generator: TrainedGenerator, members: [(ClassifierNet, Normalization)],
                    like reference: Dataset) throws -> Outcome {
        let classes = reference.classCount
        let conditional = generator.config.model == .cgan
        guard conditional || !members.isEmpty else {
            throw GDAError("labelling \(generator.config.model.rawValue) images needs at least one auxiliary classifier")
        }
        let generatorCount = generator.config.generators
        let chunk = Swift.min(Swift.max(256, targetPerClass * classes / 4), 4096)
        var keptImages: [[UInt8]] = Array(repeating: [], count: classes)
        var keptPerClass = [Int](repeating: 0, count: classes)
        var drawnPerGenerator = [Int](repeating: 0, count: generatorCount)
        var keptPerGenerator = [Int](repeating: 0, count: generatorCount)
        var drawn = 0
        var round = 0
        while keptPerClass.contains(where: { $0 < targetPerClass }) && drawn < budget {
            let roundSeed = Seeds.derive(seed, "label-round", round)
            round += 1
            let batch: SampleBatch
            if conditional {
                // Requests only the classes still short of their target.
                let wanted = (0..<classes).flatMap {
                    Array(repeating: Int32($0), count: Swift.max(0, targetPerClass - keptPerClass[$0]))
                }
                batch = try generator.sample(labels: Array(wanted.prefix(Swift.min(chunk, budget - drawn))), seed: roundSeed)
            } else {
                batch = try generator.sample(count: Swift.min(chunk, budget - drawn), seed: roundSeed)
            }
            let count = batch.images.shape[0]
            drawn += count
            var decisions: [EnsembleLabeler.Decision]? = nil
            if !members.isEmpty {
                let probabilities = try members.map {
                    try $0.0.probabilities(bytes: batch.images, normalization: $0.1, device: device)
                }
                decisions = try labeler.decide(probabilities)
            }
            let pixels = try batch.images.scalars(as: UInt8.self)
            let size = reference.imageSize
            for index in 0..<count {
                let label: Int
                if let requested = batch.labels?[index] {
                    label = Int(requested)
                    if let decision = decisions?[index], !(decision.kept && decision.label == label) { continue }
                } else {
                    guard let decision = decisions?[index] else { continue }
                    if let k = batch.generators?[index] { drawnPerGenerator[Int(k)] += 1 }
                    guard decision.kept else { continue }
                    label = decision.label
                }
                guard keptPerClass[label] < targetPerClass else { continue }
                keptImages[label] += pixels[(index * size)..<((index + 1) * size)]
                keptPerClass[label] += 1
                if let k = batch.generators?[index] { keptPerGenerator[Int(k)] += 1 }
            }
        }
        let labels = (0..<classes).flatMap { Array(repeating: Int32($0), count: keptPerClass[$0]) }
        let dataset = Dataset(name: "\(generator.config.model.rawValue)-synthetic", images: keptImages.flatMap { $0 },
                              labels: labels, channels: reference.channels, height: reference.height,
                              width: reference.width, classNames: reference.classNames)
        return Outcome(dataset: dataset, drawn: drawn, keptPerClass: keptPerClass,
                       drawnPerGenerator: drawnPerGenerator, keptPerGenerator: keptPerGenerator)
    }

    /// Writes a labelled set as IDX files (`train-*`), PNG folders by class under `images/`
    /// and `images/labels.csv`.
    public static func export(_ dataset: Dataset, to folder: String) throws {
        try IDX.write(dataset, folder: folder, prefix: "train")
        try ImageFolderWriter.write(dataset, folder: "\(folder)/images", overwrite: true)
    }
}
