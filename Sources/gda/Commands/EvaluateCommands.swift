import Foundation
import GDA
import Torch

let evaluateCommands: [Command] = [
    Command(["evaluate"], summary: "Score a trained GAN run: FID, IS, KID, precision/recall, density/coverage",
            usage: """
            Usage: gda evaluate RUN [--metrics fid,is,kid,pr,dc] [--features domain|FILE.pt] [--samples N]
                   gda evaluate --dataset NAME [options]

            Samples N images from RUN's generator and compares them with N real test images under a
            feature network. Prints a table and writes RUN/results/evaluate.json.

            With --dataset instead of a run, compares N real training images with N test images:
            the floor that no generator of that dataset can beat under the same features.

            Options:
              --metrics LIST   any of fid, is, kid, pr (precision and recall), dc (density and
                               coverage); default all
              --features NET   domain (default): a classifier trained on the real training set with
                               the dataset's augmentation policy, trained once and cached; or a
                               TorchScript file such as the standard inception-2015-12-05 network,
                               for numbers comparable with published ones. A TorchScript file is code:
                               name only files you trust.
              --samples N      images on each side (default 5000)
              --seed S         seed of the generated samples (default 0)
              --device DEV     cpu, cuda or cuda:N (default cpu)
            """) { arguments in
        let folder = arguments.positionals.first
        let realDataset = arguments.string("dataset")
        guard (folder == nil) != (realDataset == nil) else {
            throw UsageError("give either a run folder or --dataset NAME", hint: "gda evaluate --help")
        }
        let metrics = try MetricName.parseList(arguments.string("metrics") ?? "fid,is,kid,pr,dc")
        let features = arguments.string("features") ?? "domain"
        let samples = try arguments.int("samples", range: 2...1_000_000) ?? 5000
        let seed = UInt64(try arguments.int("seed", range: 0...Int.max) ?? 0)
        let device = try parseDevice(arguments.string("device"))
        try arguments.finish(maximumPositionals: 1)

        let generator = try folder.map { try GANRun.load($0, device: device) }
        let dataset = generator?.config.dataset ?? realDataset ?? ""
        let train = try DatasetSource.load(dataset, split: .train)
        let test = try DatasetSource.load(dataset, split: .test)
        let progress = ProgressPrinter(label: "evaluate")
        let network: any FeatureNetwork
        if features == "domain" {
            network = try standardDomainNetwork(dataset: dataset, train: train, test: test, device: device) {
                progress.line($0)
            }
        } else {
            network = try ScriptFeatureNetwork(path: features, device: device)
        }
        let count = min(samples, test.count)
        let real = test.stratifiedSubset(count: count, seed: seed)
        let candidates: Tensor
        if let generator {
            candidates = try generator.sample(count: count, seed: seed).images
            progress.line("scoring \(count) generated against \(count) real test images")
        } else {
            let subset = train.stratifiedSubset(count: count, seed: seed)
            candidates = try subset.imageTensor(Array(0..<subset.count))
            progress.line("scoring \(count) real training against \(count) real test images")
        }
        let results = try MetricSuite().evaluate(network: network, real: batches(real.imageTensor(Array(0..<real.count))),
                                                 fake: batches(candidates), metrics: metrics) { progress.line("warning: \($0)") }
        var values = results.values
        if let generator, generator.config.model == .cgan, let domain = network as? DomainNetwork {
            // How often the domain classifier assigns a generated image to its requested class.
            values["class_agreement"] = try Experiment.classAgreement(try generator.sample(count: count, seed: seed),
                                                                      network: domain, device: device)
        }
        let width = values.keys.map(\.count).max() ?? 0
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            print("\(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(decimal(value))")
        }
        guard let folder, let generator else { return 0 }
        let report = EvaluateResult(features: features, samples: count, seed: seed, step: generator.step,
                                    values: values, warnings: results.warnings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileManager.default.createDirectory(atPath: "\(folder)/results", withIntermediateDirectories: true)
        try AtomicFile.write(try encoder.encode(report), to: "\(folder)/results/evaluate.json")
        return 0
    },
    Command(["label"], summary: "Label a GAN run's images with auxiliary classifiers and export them",
            usage: """
            Usage: gda label RUN --out DIR [--count N] [--threshold P] [--ensemble K]

            Draws images from RUN's generator and labels them. cGAN images keep the class they were
            generated for (and pass the ensemble's filter when --filter is given); MADGAN and DCGAN
            images get the label of an ensemble of classifiers trained on the real training set with
            the dataset's augmentation policy, and are kept only when the ensemble's mean top
            probability reaches P and every member agrees. Writes DIR/train-images-idx3-ubyte,
            DIR/train-labels-idx1-ubyte (readable as --dataset idx:DIR), DIR/images/CLASS/*.png and
            DIR/images/labels.csv.

            Options:
              --count N        images per class to keep (default 1000)
              --threshold P    minimum mean top probability, in [0, 1] (default 0.9)
              --ensemble K     auxiliary classifiers (default 3; trained once and cached)
              --filter         also filter cGAN images with the ensemble
              --draw-factor F  draw at most F times the target before giving up (default 4)
              --seed S         seed of the draws (default 0)
              --device DEV     cpu, cuda or cuda:N (default cpu)
            """, flags: ["filter"]) { arguments in
        guard let folder = arguments.positionals.first else {
            throw UsageError("the run folder is required", hint: "gda label --help")
        }
        guard let out = arguments.string("out") else { throw UsageError("--out DIR is required", hint: "gda label --help") }
        let perClass = try arguments.int("count", range: 1...10_000_000) ?? 1000
        let threshold = try arguments.double("threshold", range: 0...1) ?? 0.9
        let ensemble = try arguments.int("ensemble", range: 1...50) ?? 3
        let filter = try arguments.flag("filter")
        let factor = try arguments.int("draw-factor", range: 1...1000) ?? 4
        let seed = UInt64(try arguments.int("seed", range: 0...Int.max) ?? 0)
        let device = try parseDevice(arguments.string("device"))
        try arguments.finish(maximumPositionals: 1)

        let generator = try GANRun.load(folder, device: device)
        let dataset = generator.config.dataset
        let train = try DatasetSource.load(dataset, split: .train)
        let test = try DatasetSource.load(dataset, split: .test)
        let progress = ProgressPrinter(label: "label")
        var members: [(ClassifierNet, Normalization)] = []
        if generator.config.model != .cgan || filter {
            for member in 0..<ensemble {
                let network = try standardDomainNetwork(dataset: dataset, train: train, test: test, device: device,
                                                        member: member) { progress.line($0) }
                members.append((network.model, network.normalization))
            }
        }
        let labeling = SyntheticLabeling(
            targetPerClass: perClass, budget: perClass * train.classCount * factor,
            labeler: EnsembleLabeler(threshold: threshold, requireAgreement: true), seed: seed, device: device)
        let outcome = try labeling.run(generator, members: members, like: train)
        try SyntheticLabeling.export(outcome.dataset, to: out)
        print("kept \(outcome.kept) of \(outcome.drawn) drawn images into \(out)")
        for (index, name) in train.classNames.enumerated() where outcome.keptPerClass[index] < perClass {
            print("  \(name): \(outcome.keptPerClass[index]) of \(perClass)")
        }
        return 0
    },
]

struct EvaluateResult: Codable {
    var features: String
    var samples: Int
    var seed: UInt64
    var step: Int
    var values: [String: Double]
    var warnings: [String]
}

/// Loads (or trains and caches) the domain network the quick profile uses for this dataset, or
/// another member of the same family with a different seed.
func standardDomainNetwork(dataset: String, train: Dataset, test: Dataset, device: Device, member: Int? = nil,
                           log: @escaping (String) -> Void) throws -> DomainNetwork {
    let section = try ExperimentConfig.profile("quick").domain
    let policy = AugmentPolicy.defaultName(forDataset: dataset, channels: train.channels)
    let seed = member.map { Seeds.derive(0, "auxiliary", $0) } ?? Seeds.derive(0, "domain")
    let settings = ClassifierSettings(epochs: section.epochs, batchSize: section.batchSize, augmentPolicy: policy, seed: seed)
    let pipeline = try AugmentPolicy.named(policy, channels: train.channels)
    return try DomainNetwork.load(dataset: dataset, train: train, test: test, settings: settings,
                                  augment: pipeline.batchTransform, limit: section.limit, device: device,
                                  cacheFolder: Catalog.cacheFolder, log: log)
}

func batches(_ images: Tensor, size: Int = 500) throws -> [Tensor] {
    let count = images.shape[0]
    return try stride(from: 0, to: count, by: size).map {
        try images.slice(dim: 0, start: $0, end: min($0 + size, count))
    }
}
