import Foundation
import GDA
import Torch

let classifyCommands: [Command] = [
    Command(["classify"], summary: "Train and evaluate one classifier on real (and synthetic) data",
            usage: """
            Usage: gda classify --dataset NAME --out RUN [options]

            Trains the reference classifier on a stratified fraction of the real training set,
            optionally mixed with a labelled synthetic set, and evaluates it on the untouched test
            set. Writes RUN/results/classifier.json and RUN/checkpoints/classifier.safetensors.

            Options:
              --dataset NAME          mnist, fashion-mnist, cifar10, idx:PATH or folder:PATH
              --out RUN               run folder to write
              --real-fraction F       fraction of the real training set, in (0, 1] (default 1)
              --synthetic DIR         labelled synthetic set (an IDX folder as 'gda label' writes)
              --synthetic-ratio R     synthetic images per real image (default 1)
              --augment POLICY        traditional augmentation of every batch: none, digits, fashion,
                                      cifar10, auto or default (the dataset's); default none
              --epochs N              passes over the training set (default 10)
              --min-steps N           optimizer steps to take at least (default 0)
              --batch-size N          batch size (default 64)
              --seed S                seed of the subset, the initial weights and the batch order (default 0)
              --device DEV            cpu, cuda or cuda:N (default cpu)

            Launched by torchrun or srun it trains data-parallel, --batch-size images per rank
            and step; rank 0 alone evaluates and writes RUN (see docs/distributed.md).
            """) { arguments in
        guard let dataset = arguments.string("dataset") else {
            throw UsageError("--dataset is required", hint: "gda classify --help")
        }
        guard let out = arguments.string("out") else { throw UsageError("--out is required", hint: "gda classify --help") }
        let fraction = try arguments.double("real-fraction", range: 1e-9...1) ?? 1
        let synthetic = arguments.string("synthetic")
        let ratio = try arguments.double("synthetic-ratio", range: 0...1000) ?? 1
        let policy = arguments.string("augment")
        var settings = ClassifierSettings()
        settings.epochs = try arguments.int("epochs", range: 1...100_000) ?? settings.epochs
        settings.minimumSteps = try arguments.int("min-steps", range: 0...10_000_000) ?? 0
        settings.batchSize = try arguments.int("batch-size", range: 1...65536) ?? settings.batchSize
        settings.seed = UInt64(try arguments.int("seed", range: 0...Int.max) ?? 0)
        let deviceName = arguments.string("device")
        try arguments.finish()

        let parallel = try joinDataParallel()
        let device = try parseDevice(deviceName.map { rankDevice($0, parallel) })
        let run = parallel?.isLeader ?? true ? try RunFolder(out, create: true) : nil
        let train = try DatasetSource.load(dataset, split: .train)
        let test = try DatasetSource.load(dataset, split: .test)
        var data = train.stratifiedSubset(fraction: fraction, seed: Seeds.derive(settings.seed, "real-subset"))
        let normalization = Normalization.of(train)
        if let synthetic {
            let extra = try DatasetSource.load("idx:\(synthetic)", split: .train)
            let count = Int((Double(data.count) * ratio).rounded())
            guard extra.imageSize == train.imageSize, extra.classCount == train.classCount else {
                throw GDAError.config("synthetic set \(synthetic) has \(extra.channels)x\(extra.height)x\(extra.width) images in "
                    + "\(extra.classCount) classes; \(dataset) has \(train.channels)x\(train.height)x\(train.width) in \(train.classCount)")
            }
            var drawn = extra.stratifiedSubset(count: min(count, extra.count), seed: Seeds.derive(settings.seed, "synthetic-subset"))
            drawn.classNames = train.classNames
            data = data.appending(drawn)
        }
        settings.augmentPolicy = policy
        let transform = try policy.map { name -> BatchTransform in
            let resolved = name == "default" ? AugmentPolicy.defaultName(forDataset: dataset, channels: train.channels) : name
            return try AugmentPolicy.named(resolved, channels: train.channels).batchTransform
        }
        let progress = ProgressPrinter(label: "classifier")
        var trainer = ClassifierTrainer(settings: settings, normalization: normalization, transform: transform,
                                        device: device) { epoch, epochs, loss, accuracy in
            guard run != nil else { return }
            progress.line(String(format: "epoch %d/%d loss %.4f train accuracy %.4f", epoch, epochs, loss, accuracy))
        }
        trainer.dataParallel = parallel
        let started = Date()
        let model = try trainer.train(data)
        guard let run else {
            try finishWithDigest(try ParameterDigest.of([model]), parallel)
            return 0
        }
        let predictions = try model.predict(test, normalization: normalization, device: device)
        let metrics = try ClassifierMetrics.compute(labels: predictions.labels, predictions: predictions.predicted,
                                                    probabilities: predictions.probabilities, classCount: train.classCount)
        try model.save(to: run.file("checkpoints/classifier.safetensors"), normalization: normalization)
        try run.writeJSON(ClassifyResult(dataset: dataset, realFraction: fraction, trainCount: data.count,
                                         synthetic: synthetic, syntheticRatio: synthetic == nil ? 0 : ratio, augment: policy,
                                         settings: settings, metrics: metrics, seconds: Date().timeIntervalSince(started)),
                          to: "results/classifier.json")
        print("accuracy \(decimal(metrics.accuracy)), balanced accuracy \(decimal(metrics.balancedAccuracy)), "
            + "macro F1 \(decimal(metrics.macro.f1)), expected calibration error "
            + "\(metrics.expectedCalibrationError.map { decimal($0) } ?? "n/a") on \(test.count) test images")
        if parallel != nil { try finishWithDigest(try ParameterDigest.of([model]), parallel) }
        return 0
    },
]

/// The record `gda classify` writes to RUN/results/classifier.json.
struct ClassifyResult: Codable {
    var dataset: String
    var realFraction: Double
    var trainCount: Int
    var synthetic: String?
    var syntheticRatio: Double
    var augment: String?
    var settings: ClassifierSettings
    var metrics: ClassifierMetrics
    var seconds: Double
}

/// Parses --device; nil means cpu. CUDA is loaded on request.
func parseDevice(_ text: String?) throws -> Device {
    guard let text else { return .cpu }
    guard let device = Device(text) else {
        throw UsageError("--device must be cpu, cuda or cuda:N, found '\(text)'")
    }
    if case .cuda(let index) = device {
        try Torch.loadCUDA()
        guard Torch.cudaIsAvailable, index < Torch.cudaDeviceCount else {
            throw GDAError.config("--device \(text) requested, but libtorch finds \(Torch.cudaDeviceCount) CUDA devices")
        }
    }
    return device
}
