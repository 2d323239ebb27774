import Foundation
import Torch

/// A real training epoch against the compute of its steps alone.
public struct EpochReport: Sendable {
    public let model: BenchModel
    public let steps: Int
    /// Wall-clock seconds of the whole epoch, as a user's run spends them.
    public let epochSeconds: Double
    /// Seconds of the epoch's training steps alone.
    public let stepSeconds: Double
    /// The source of `stepSeconds`: the trainer's own timer, or a separate benchmark.
    public let stepSource: String

    /// The epoch's cost beyond its steps, as a fraction of the steps' time.
    public var overhead: Double { epochSeconds / stepSeconds - 1 }

    public var line: String {
        String(format: "%@ epoch steps=%d epoch_s=%.2f steps_s=%.2f overhead=%.1f%% (%@)", model.rawValue,
               steps, epochSeconds, stepSeconds, overhead * 100, stepSource)
    }
}

/// Times one epoch of `GANTrainer` or `ClassifierTrainer` on a dataset, as `gda train` and
/// `gda classify` run it, against the time of its steps alone.
public enum EpochBenchmark {
    /// Trains `model` for one epoch on `dataset` in a temporary run folder, which is deleted.
    ///
    /// GAN epochs log every step's time (the trainer's own timer around each step), so the
    /// steps' time comes from the same run. Such an epoch also writes its sample grid, metric
    /// records and final checkpoint. A classifier epoch has no per-step timer, so its steps'
    /// time is the median step of `StepBenchmark` on one fixed batch, timed before and after
    /// the epoch, times the epoch's step count.
    public static func run(model: BenchModel, dataset: Dataset, batch: Int = 64, generators: Int = 10,
                           augmentPolicy: String? = nil) throws -> EpochReport {
        switch model {
        case .classifier:
            return try classifierEpoch(dataset: dataset, batch: batch, augmentPolicy: augmentPolicy)
        case .dcgan, .cgan, .madgan:
            return try ganEpoch(model: model, dataset: dataset, batch: batch, generators: generators)
        }
    }

    private static func ganEpoch(model: BenchModel, dataset: Dataset, batch: Int, generators: Int) throws
        -> EpochReport
    {
        let ganModel: GANModel
        switch model {
        case .cgan: ganModel = .cgan
        case .madgan: ganModel = .madgan
        case .dcgan, .classifier: ganModel = .dcgan
        }
        var config = GANConfig(model: ganModel, dataset: dataset.name)
        config.batchSize = batch
        config.generators = ganModel == .madgan ? generators : 1
        config.epochs = 1
        config.logEvery = 1
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("gda-epoch-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }

        let trainer = try GANTrainer(config: config, dataset: dataset, folder: folder.path)
        let started = DispatchTime.now().uptimeNanoseconds
        try trainer.train()
        let epochSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9

        // With logEvery = 1 each record of time/seconds_per_step is one step's time.
        let records = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        var stepSeconds = 0.0
        var steps = 0
        for line in records.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["tag"] as? String == "time/seconds_per_step", let value = object["value"] as? Double
            else { continue }
            stepSeconds += value
            steps += 1
        }
        guard steps == trainer.batchesPerEpoch else {
            throw GDAError("the epoch logged \(steps) step times, expected \(trainer.batchesPerEpoch)")
        }
        return EpochReport(model: model, steps: steps, epochSeconds: epochSeconds, stepSeconds: stepSeconds,
                           stepSource: "the trainer's own step timer")
    }

    private static func classifierEpoch(dataset: Dataset, batch: Int, augmentPolicy: String?) throws
        -> EpochReport
    {
        let transform = try augmentPolicy.map {
            try AugmentPolicy.named($0, channels: dataset.channels).batchTransform
        }
        let settings = ClassifierSettings(epochs: 1, batchSize: batch, augmentPolicy: augmentPolicy)
        let trainer = ClassifierTrainer(settings: settings, normalization: Normalization.of(dataset),
                                        transform: transform)
        let steps = (dataset.count + batch - 1) / batch
        let probe = try StepBenchmark(
            StepBenchmarkOptions(model: .classifier, batch: batch, steps: 1, warmup: 0))
        var stepTimes: [Double] = []
        func timeSteps() throws {
            for _ in 0..<10 {
                let started = DispatchTime.now().uptimeNanoseconds
                try probe.step()
                stepTimes.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            }
        }
        try probe.step()
        try timeSteps()
        let started = DispatchTime.now().uptimeNanoseconds
        _ = try trainer.train(dataset)
        let epochSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        try timeSteps()
        let median = stepTimes.sorted()[stepTimes.count / 2]
        return EpochReport(model: .classifier, steps: steps, epochSeconds: epochSeconds,
                           stepSeconds: median * Double(steps),
                           stepSource: "median of 20 fixed-batch steps × steps"
                               + (augmentPolicy.map { ", augmentation \($0)" } ?? ""))
    }
}
