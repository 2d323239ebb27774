import Foundation
import Torch

// Set 1 (train and score the generators) and Set 2's labelling of their images.

extension Experiment {
    func ganFolder(_ model: String) -> String { "\(run.path)/gan-\(model)" }

    /// Real test images the generator metrics compare against: the first `metricSamples`
    /// of a fixed stratified subset of the test set.
    func metricReference() throws -> Tensor {
        let count = Swift.min(config.gan.metricSamples, testSet.count)
        let subset = testSet.stratifiedSubset(count: count, seed: Seeds.derive(config.seed, "metric-reference"))
        return try subset.imageTensor(Array(0..<subset.count))
    }

    static func batches(_ images: Tensor, size: Int = 500) throws -> [Tensor] {
        let count = images.shape[0]
        return try stride(from: 0, to: count, by: size).map {
            try images.slice(dim: 0, start: $0, end: Swift.min($0 + size, count))
        }
    }

    /// Trains one GAN (resuming its own checkpoints if the stage was interrupted), with the
    /// epoch metrics under the domain network, then scores the final generator.
    func trainGAN(_ model: String) throws {
        guard let kind = GANModel(rawValue: model) else { throw GDAError.config("unknown GAN model '\(model)'") }
        let network = try domainIfNeeded()
        let limit = config.gan.limit
        let data: Dataset = limit > 0 && limit < trainSet.count
            ? trainSet.stratifiedSubset(count: limit, seed: Seeds.derive(config.seed, "gan-subset")) : trainSet
        let folder = ganFolder(model)
        let trainer: GANTrainer
        if FileManager.default.fileExists(atPath: "\(folder)/config.json") {
            trainer = try GANTrainer(resuming: folder, dataset: data)
            log("\(model): resuming at step \(trainer.position.step) of \(trainer.totalSteps)")
        } else {
            var ganConfig = GANConfig(model: kind, dataset: config.dataset)
            ganConfig.limit = limit > 0 ? limit : nil
            ganConfig.seed = Seeds.derive(config.seed, "gan", model == "cgan" ? 0 : 1)
            ganConfig.epochs = config.gan.epochs
            ganConfig.batchSize = config.gan.batchSize
            ganConfig.generators = kind == .madgan ? config.gan.generators : 1
            ganConfig.device = config.device
            ganConfig.checkpointEvery = 200
            trainer = try GANTrainer(config: ganConfig, dataset: data, folder: folder)
        }
        trainer.progress = ProgressReporter(label: model, total: trainer.totalSteps, completed: trainer.position.step)

        let suite = MetricSuite()
        let epochMetrics = try Set(config.gan.epochMetrics.map(metricName))
        let reference = try metricReference()
        var realSet: FeatureSet?
        if !epochMetrics.isEmpty {
            realSet = try suite.collect(Self.batches(reference), network: network, metrics: epochMetrics, probabilities: false)
            trainer.epochEnd = { [config, log] epoch, generator in
                let samples = try generator.sample(count: config.gan.metricSamples, seed: Seeds.derive(config.seed, "epoch-samples"))
                let fake = try suite.collect(Self.batches(samples.images), network: network, metrics: epochMetrics,
                                             probabilities: epochMetrics.contains(.inceptionScore))
                let results = try suite.compute(real: realSet, fake: fake, metrics: epochMetrics)
                log("\(model): epoch \(epoch) " + results.values.sorted { $0.key < $1.key }
                    .map { "\($0.key) \(decimal($0.value))" }.joined(separator: ", "))
                return Dictionary(uniqueKeysWithValues: results.values.map { ("metrics/\($0.key)", $0.value) })
            }
        }
        let generator = try trainer.train()

        // Final scores on a fresh set of samples.
        let finalMetrics = try Set(config.gan.finalMetrics.map(metricName))
        var final: [String: Double] = [:]
        if !finalMetrics.isEmpty {
            let samples = try generator.sample(count: config.gan.metricSamples, seed: Seeds.derive(config.seed, "final-samples"))
            let results = try suite.evaluate(network: network, real: Self.batches(reference),
                                             fake: Self.batches(samples.images), metrics: finalMetrics) { [log] warning in
                log("\(model): metric warning: \(warning)")
            }
            final = results.values
            log("\(model): final " + final.sorted { $0.key < $1.key }.map { "\($0.key) \(decimal($0.value))" }
                .joined(separator: ", "))
        }
        if kind == .cgan {
            // How often the domain classifier assigns a generated image to the class it was asked for.
            let samples = try generator.sample(count: config.gan.metricSamples, seed: Seeds.derive(config.seed, "class-agreement"))
            final["class_agreement"] = try Self.classAgreement(samples, network: network, device: device)
            log("\(model): the domain classifier assigns \(decimal(final["class_agreement"] ?? 0)) of the samples to their requested class")
        }
        var summary = ExperimentSummary.GAN(model: model, sampleGrid: latestGrid(model),
                                            gridRows: kind == .madgan ? "generator" : "class",
                                            curves: try epochCurves(model), final: final)
        if kind == .madgan {
            let perGenerator = Swift.max(10, config.gan.metricSamples / Swift.max(1, config.gan.generators))
            let samples = try generator.sample(countPerGenerator: perGenerator, seed: Seeds.derive(config.seed, "mode-table"))
            let probabilities = try network.model.probabilities(bytes: samples.images, normalization: network.normalization,
                                                                device: device)
            let predicted = try probabilities.argmax(dim: 1).scalars(as: Int64.self).map(Int.init)
            let table = try ModeTable.compute(generators: (samples.generators ?? []).map(Int.init), classes: predicted,
                                              generatorCount: config.gan.generators, classCount: trainSet.classCount)
            summary.modeTable = table.counts
            let purity: [String] = table.purity.map { value in value.map { decimal($0, 2) } ?? "n/a" }
            var text = "The \(config.gan.generators) generators' majority classes cover "
            text += "\(table.coveredClasses.count) of \(trainSet.classCount) classes; images of "
            text += "\(table.classesWithSamples.count) classes appear at all. KL divergence of the class "
            text += "histogram from uniform: \(decimal(table.klFromUniform)). Purity per generator: "
            text += purity.joined(separator: ", ") + "."
            summary.modeSummary = text
        }
        try run.writeJSON(summary, to: "results/gan-\(model).json")
    }

    /// Returns the fraction of cGAN samples that `network` assigns to the class each was generated for.
    public static func classAgreement(_ samples: SampleBatch, network: DomainNetwork, device: Device) throws -> Double {
        guard let labels = samples.labels, !labels.isEmpty else { return .nan }
        let probabilities = try network.model.probabilities(bytes: samples.images, normalization: network.normalization,
                                                            device: device)
        let predicted = try probabilities.argmax(dim: 1).scalars(as: Int64.self)
        let matches = zip(predicted, labels).filter { $0 == Int64($1) }.count
        return Double(matches) / Double(labels.count)
    }

    func metricName(_ name: String) throws -> MetricName {
        guard let metric = try MetricName.parseList(name).first else {
            throw GDAError.config("unknown metric '\(name)'")
        }
        return metric
    }

    /// Returns the newest per-epoch sample grid, relative to the run folder.
    func latestGrid(_ model: String) -> String? {
        let folder = "\(ganFolder(model))/samples"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".png") }.sorted().last.map { "gan-\(model)/samples/\($0)" }
    }

    /// Per-epoch metric values read back from the GAN run's metrics.jsonl, so that a resumed
    /// stage still shows the epochs before the interruption.
    func epochCurves(_ model: String) throws -> [String: [ExperimentSummary.EpochValue]] {
        guard let text = try? String(contentsOfFile: "\(ganFolder(model))/metrics.jsonl", encoding: .utf8) else { return [:] }
        var curves: [String: [Int: Double]] = [:]
        var epochOfStep: [Int: Int] = [:]
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let tag = object["tag"] as? String, let step = object["step"] as? Int,
                  let value = (object["value"] as? NSNumber)?.doubleValue, tag.hasPrefix("metrics/")
            else { continue }
            let epoch = epochOfStep[step] ?? (epochOfStep.count + 1)
            epochOfStep[step] = epoch
            curves[String(tag.dropFirst("metrics/".count)), default: [:]][epoch] = value
        }
        return curves.mapValues { values in
            values.sorted { $0.key < $1.key }.map { ExperimentSummary.EpochValue(epoch: $0.key, value: $0.value) }
        }
    }
}
