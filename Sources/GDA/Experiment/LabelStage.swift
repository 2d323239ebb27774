import Foundation
import Torch

extension Experiment {
    /// Labels a trained GAN's images (see `SyntheticLabeling`) and writes the set to
    /// synthetic/MODEL as IDX files, PNG folders by class and labels.csv. Each class is
    /// filled to the target count; drawing stops at `maximum_draw_factor` times the total
    /// target, and the shortfall is reported.
    func label(_ model: String) throws {
        let generator = try GANRun.load(ganFolder(model), device: device)
        let target = syntheticTargetPerClass
        let classes = trainSet.classCount
        let members = model == "madgan" || config.labeling.filterCGAN ? try loadAuxiliary() : []
        let labeling = SyntheticLabeling(
            targetPerClass: target, budget: target * classes * config.labeling.maximumDrawFactor,
            labeler: EnsembleLabeler(threshold: config.labeling.threshold, requireAgreement: config.labeling.requireAgreement),
            seed: Seeds.derive(config.seed, "label", model == "cgan" ? 0 : 1), device: device)
        let outcome = try labeling.run(generator, members: members, like: trainSet)
        let folder = try run.file("\(syntheticFolder(model))/classes.txt")
        try SyntheticLabeling.export(outcome.dataset, to: URL(fileURLWithPath: folder).deletingLastPathComponent().path)

        let kept = outcome.kept
        var note: String? = nil
        if kept == 0 {
            note = "no image passed the filter (threshold \(config.labeling.threshold)) in \(outcome.drawn) draws"
        } else if kept < target * classes {
            let short = (0..<classes).filter { outcome.keptPerClass[$0] < target }.map { trainSet.classNames[$0] }
            note = "\(target * classes - kept) images short of the target after \(outcome.drawn) draws; classes short: "
                + short.joined(separator: ", ")
        }
        if let note { log("\(model): labelling: \(note)") }
        log("\(model): kept \(kept) of \(outcome.drawn) drawn images")
        let perGenerator = model == "madgan"
            ? zip(outcome.keptPerGenerator, outcome.drawnPerGenerator).map { $1 > 0 ? Double($0) / Double($1) : 0 } : nil
        try run.writeJSON(ExperimentSummary.Labeling(model: model, drawn: outcome.drawn, kept: kept,
                                                     keptPerClass: outcome.keptPerClass, targetPerClass: target,
                                                     keptFractionPerGenerator: perGenerator, note: note),
                          to: "results/labeling-\(model).json")
    }
}
