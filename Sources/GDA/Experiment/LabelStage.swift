import Foundation
import Torch

extension Experiment {
    /// Draws images from a trained GAN, labels them and writes the labelled set to
    /// synthetic/MODEL as IDX files, PNG folders by class and labels.csv.
    ///
    /// cGAN images keep the class they were generated for (optionally filtered by the
    /// ensemble as well). MADGAN images get the ensemble's label and are kept only when
    /// confident and agreed on. Each class is filled to the target count; drawing stops at
    /// `maximum_draw_factor` times the total target, and the shortfall is reported.
    func label(_ model: String) throws {
        let generator = try GANRun.load(ganFolder(model), device: device)
        let target = syntheticTargetPerClass
        let classes = trainSet.classCount
        let members = model == "madgan" || config.labeling.filterCGAN ? try loadAuxiliary() : []
        let labeler = EnsembleLabeler(threshold: config.labeling.threshold, requireAgreement: config.labeling.requireAgreement)
        let budget = target * classes * config.labeling.maximumDrawFactor
        let chunk = Swift.min(Swift.max(256, target * classes / 4), 4096)

        var keptImages: [[UInt8]] = Array(repeating: [], count: classes)
        var keptCount = [Int](repeating: 0, count: classes)
        var drawnPerGenerator = [Int](repeating: 0, count: config.gan.generators)
        var keptPerGenerator = [Int](repeating: 0, count: config.gan.generators)
        var drawn = 0
        var round = 0
        while keptCount.contains(where: { $0 < target }) && drawn < budget {
            let seed = Seeds.derive(config.seed, "label", model == "cgan" ? 0 : 1, round)
            round += 1
            let batch: SampleBatch
            if model == "cgan" {
                // Requests only the classes still short of their target.
                let wanted = (0..<classes).flatMap { Array(repeating: Int32($0), count: Swift.max(0, target - keptCount[$0])) }
                batch = try generator.sample(labels: Array(wanted.prefix(Swift.min(chunk, budget - drawn))), seed: seed)
            } else {
                batch = try generator.sample(count: Swift.min(chunk, budget - drawn), seed: seed)
            }
            let count = batch.images.shape[0]
            drawn += count
            var decisions: [EnsembleLabeler.Decision]? = nil
            if !members.isEmpty {
                let probabilities = try members.map { try $0.0.probabilities(bytes: batch.images, normalization: $0.1, device: device) }
                decisions = try labeler.decide(probabilities)
            }
            let pixels = try batch.images.scalars(as: UInt8.self)
            let size = trainSet.imageSize
            for index in 0..<count {
                var label: Int
                if let requested = batch.labels?[index] {
                    label = Int(requested)
                    if let decision = decisions?[index], !(decision.kept && decision.label == label) { continue }
                } else {
                    guard let decision = decisions?[index] else { continue }
                    if let k = batch.generators?[index] { drawnPerGenerator[Int(k)] += 1 }
                    guard decision.kept else { continue }
                    label = decision.label
                }
                guard keptCount[label] < target else { continue }
                keptImages[label] += pixels[(index * size)..<((index + 1) * size)]
                keptCount[label] += 1
                if let k = batch.generators?[index] { keptPerGenerator[Int(k)] += 1 }
            }
        }

        let labels = (0..<classes).flatMap { Array(repeating: Int32($0), count: keptCount[$0]) }
        let synthetic = Dataset(name: "\(model)-synthetic", images: keptImages.flatMap { $0 }, labels: labels,
                                channels: trainSet.channels, height: trainSet.height, width: trainSet.width,
                                classNames: trainSet.classNames)
        let folder = try run.file("\(syntheticFolder(model))/placeholder")
        let root = URL(fileURLWithPath: folder).deletingLastPathComponent().path
        try IDX.write(synthetic, folder: root, prefix: "train")
        try ImageFolderWriter.write(synthetic, folder: "\(root)/images", overwrite: true)

        let kept = keptCount.reduce(0, +)
        var note: String? = nil
        if kept == 0 {
            note = "no image passed the filter (threshold \(config.labeling.threshold)) in \(drawn) draws"
        } else if kept < target * classes {
            let short = (0..<classes).filter { keptCount[$0] < target }.map { trainSet.classNames[$0] }
            note = "\(target * classes - kept) images short of the target after \(drawn) draws; classes short: "
                + short.joined(separator: ", ")
        }
        if let note { log("\(model): labelling: \(note)") }
        log("\(model): kept \(kept) of \(drawn) drawn images")
        let perGenerator = model == "madgan"
            ? zip(keptPerGenerator, drawnPerGenerator).map { $1 > 0 ? Double($0) / Double($1) : 0 } : nil
        try run.writeJSON(ExperimentSummary.Labeling(model: model, drawn: drawn, kept: kept, keptPerClass: keptCount,
                                                     targetPerClass: target, keptFractionPerGenerator: perGenerator,
                                                     note: note),
                          to: "results/labeling-\(model).json")
    }
}
