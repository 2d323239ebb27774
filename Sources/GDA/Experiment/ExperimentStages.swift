import Foundation
import Torch

// Set 2 (auxiliary classifiers and labelling), Set 3 (the classifier grid) and the report.

extension Experiment {
    // MARK: - Set 2: auxiliary classifiers

    func auxiliaryPath(_ member: Int) -> String { "checkpoints/auxiliary-\(member).safetensors" }

    /// Trains the ensemble that labels MADGAN images: members differ only in their seed.
    func trainAuxiliary() throws {
        let transform = try augmentTransform()
        let normalization = Normalization.of(trainSet)
        let limit = config.labeling.limit
        let data: Dataset = limit > 0 && limit < trainSet.count
            ? trainSet.stratifiedSubset(count: limit, seed: Seeds.derive(config.seed, "auxiliary-subset")) : trainSet
        for member in 0..<config.labeling.ensemble where !run.exists(auxiliaryPath(member)) {
            let settings = ClassifierSettings(epochs: config.labeling.epochs, batchSize: 128, augmentPolicy: policyName,
                                              seed: Seeds.derive(config.seed, "auxiliary", member))
            let trainer = ClassifierTrainer(settings: settings, normalization: normalization, transform: transform,
                                            device: device) { [log] epoch, epochs, loss, accuracy in
                log(String(format: "auxiliary %d: epoch %d/%d loss %.4f train accuracy %.4f", member, epoch, epochs,
                           loss, accuracy))
            }
            let model = try trainer.train(data)
            try model.save(to: run.file(auxiliaryPath(member)), normalization: normalization)
        }
    }

    func loadAuxiliary() throws -> [(ClassifierNet, Normalization)] {
        try (0..<config.labeling.ensemble).map { member in
            let (model, normalization, _) = try ClassifierNet.load("\(run.path)/\(auxiliaryPath(member))")
            return (model, normalization)
        }
    }

    /// Synthetic images each GAN must supply: enough for the largest real fraction at the
    /// largest ratio, split evenly over the classes.
    var syntheticTargetPerClass: Int {
        let fraction = config.classifiers.realFractions.max() ?? 1
        let ratio = config.classifiers.syntheticRatios.max() ?? 1
        let needed = Double(trainSet.count) * fraction * ratio
        return Swift.max(1, Int((needed / Double(trainSet.classCount)).rounded(.up)))
    }

    // MARK: - Set 3: classifiers

    func syntheticFolder(_ model: String) -> String { "synthetic/\(model)" }

    func classifierContext() throws -> ClassifierContext {
        var pools: [String: Dataset] = [:]
        for model in config.gan.models {
            pools[model] = try DatasetSource.load("idx:\(run.path)/\(syntheticFolder(model))", split: .train)
        }
        return ClassifierContext(train: trainSet, test: testSet, normalization: Normalization.of(trainSet),
                                 syntheticPools: pools, augment: try augmentTransform(), config: config.classifiers,
                                 baseSeed: config.seed, device: device)
    }

    func classifierResultPath(_ spec: ClassifierRunSpec) -> String { "results/classify/\(spec.id).json" }

    /// Runs every classifier of the grid whose result is not yet on disk. Each result is written
    /// atomically as soon as its run ends, so a killed experiment loses at most the run in progress.
    func classify(worker: Int = 0, of workers: Int = 1) throws {
        let context = try classifierContext()
        let specs = ClassifierGrid.share(ClassifierGrid.runs(config.classifiers), worker: worker, of: workers)
        let pending = specs.filter { !run.exists(classifierResultPath($0)) }
        log("classify: \(specs.count - pending.count) of \(specs.count) runs done earlier, \(pending.count) to go")
        let started = Date()
        for (index, spec) in pending.enumerated() {
            let result = try context.run(spec)
            try run.writeJSON(result, to: classifierResultPath(spec))
            let elapsed = Date().timeIntervalSince(started)
            let remaining = elapsed / Double(index + 1) * Double(pending.count - index - 1)
            log("classify: \(index + 1)/\(pending.count) \(spec.id) accuracy \(decimal(result.scores.accuracy)) "
                + "(\(decimal(result.seconds, 1)) s, about \(decimal(remaining, 0)) s left)")
        }
        if config.classifiers.syntheticOnly {
            // These runs are shared out as the grid's are: every workers-th one.
            let syntheticOnly = config.gan.models.flatMap { model in (0..<config.classifiers.seeds).map { (model, $0) } }
            for (offset, (model, seed)) in syntheticOnly.enumerated() where offset % workers == worker {
                guard let pool = context.syntheticPools[model], pool.count > 0 else {
                    log("classify: \(model) kept no labelled images, so it has no synthetic-only classifier")
                    continue
                }
                let path = "results/synthetic-only/\(model)-s\(seed).json"
                guard !run.exists(path) else { continue }
                let result = try context.runSyntheticOnly(model: model, seed: seed)
                try run.writeJSON(result, to: path)
                log("classify: \(model) alone, seed \(seed): accuracy \(decimal(result.scores.accuracy))")
            }
        }
    }

    func loadClassifierResults() throws -> [ClassifierRunResult] {
        try ClassifierGrid.runs(config.classifiers).compactMap {
            try run.readJSON(ClassifierRunResult.self, from: classifierResultPath($0))
        }
    }
}
