import Foundation
import Torch

extension Experiment {
    /// Gathers every result of the run into `results/summary.json` and renders the report.
    func report() throws {
        let summary = try Experiment.summarize(run: run, config: config, trainCount: trainSet.count,
                                               testCount: testSet.count, classNames: trainSet.classNames)
        try Experiment.render(summary, run: run)
        log("report: \(run.path)/report/index.html")
    }

    /// Builds the summary from the files in the run folder.
    public static func summarize(run: RunFolder, config: ExperimentConfig, trainCount: Int, testCount: Int,
                                 classNames: [String]) throws -> ExperimentSummary {
        let formatter = ISO8601DateFormatter()
        var summary = ExperimentSummary(
            name: URL(fileURLWithPath: run.path).lastPathComponent, dataset: config.dataset, classNames: classNames,
            trainCount: trainCount, testCount: testCount, createdAt: formatter.string(from: Date()),
            versions: ["gda": gdaVersion, "libtorch": Torch.version],
            config: String(decoding: try config.encoded(), as: UTF8.self))
        summary.timings = run.timings.map { ExperimentSummary.Timing(stage: $0.0, seconds: $0.1) }
        summary.domainAccuracy = try run.readJSON([String: Double].self, from: "results/domain.json")?["test_accuracy"]
        for model in config.gan.models {
            if let gan = try run.readJSON(ExperimentSummary.GAN.self, from: "results/gan-\(model).json") {
                summary.gans.append(gan)
            }
            if let labeling = try run.readJSON(ExperimentSummary.Labeling.self, from: "results/labeling-\(model).json") {
                summary.labeling.append(labeling)
                if labeling.kept == 0 {
                    summary.notes.append("No \(model) image passed the labelling filter (threshold "
                        + "\(config.labeling.threshold)); its sources train on real data only.")
                }
            }
        }
        let results = try ClassifierGrid.runs(config.classifiers).compactMap {
            try run.readJSON(ClassifierRunResult.self, from: "results/classify/\($0.id).json")
        }
        let expected = ClassifierGrid.runs(config.classifiers).count
        if results.count < expected {
            summary.notes.append("\(expected - results.count) of \(expected) classifier runs have no result yet.")
        }
        summary.cells = try Aggregation.cells(results, ratios: config.classifiers.syntheticRatios)
        var realCounts: [Double: Int] = [:]
        for result in results where result.spec.source == "real" { realCounts[result.spec.realFraction] = result.realCount }
        summary.best = try Aggregation.best(results, cells: summary.cells, realCounts: realCounts)
        for model in config.gan.models where config.classifiers.syntheticOnly {
            let runs = try (0..<config.classifiers.seeds).compactMap {
                try run.readJSON(ClassifierRunResult.self, from: "results/synthetic-only/\(model)-s\($0).json")
            }
            if let first = runs.first {
                summary.syntheticOnly.append(ExperimentSummary.SyntheticOnly(
                    model: model, trainCount: first.syntheticCount,
                    accuracy: try Aggregation.interval(runs.map(\.scores.accuracy))))
            }
        }
        // One confusion matrix per source at the smallest real fraction, seed 0.
        if let fraction = config.classifiers.realFractions.min() {
            for result in results where result.spec.realFraction == fraction && result.spec.seed == 0
                && (result.spec.source == "real" || result.spec.syntheticRatio == config.classifiers.syntheticRatios.first) {
                summary.confusion.append(ExperimentSummary.Confusion(
                    title: "\(result.spec.source), \(Aggregation.percent(fraction)) real, seed 0", matrix: result.scores.confusion))
            }
        }
        return summary
    }

    /// Writes summary.json, report/index.html, report/report.md and results/cells.csv.
    public static func render(_ summary: ExperimentSummary, run: RunFolder) throws {
        try run.writeJSON(summary, to: "results/summary.json")
        try run.write(Data(HTMLReport.render(summary, runFolder: run.path).utf8), to: "report/index.html")
        try run.write(Data(TextReports.markdown(summary).utf8), to: "report/report.md")
        try run.write(Data(TextReports.cellsCSV(summary).utf8), to: "results/cells.csv")
    }
}

/// The version gda reports in runs and reports.
public let gdaVersion = "0.1.0"
