import Foundation

/// The report as Markdown and the Set 3 table as CSV, written beside the HTML page.
public enum TextReports {
    public static func markdown(_ summary: ExperimentSummary) -> String {
        var text = "# Does synthetic data help? \(summary.dataset)\n\n"
        text += "Run \(summary.name), \(summary.createdAt): \(summary.trainCount) training and "
            + "\(summary.testCount) test images in \(summary.classNames.count) classes.\n\n## The answer\n\n"
        for best in summary.best { text += "- \(best.sentence)\n" }
        if summary.best.isEmpty { text += "No classifier results yet.\n" }
        for note in summary.notes { text += "\nNote: \(note)\n" }
        if !summary.cells.isEmpty {
            text += "\n## Classifiers\n\n| real fraction | real images | ratio | source | seeds | accuracy | 95% CI | Δ vs real | Δ 95% CI | p |\n"
            text += "|---:|---:|---:|---|---:|---:|---|---:|---|---:|\n"
            for cell in summary.cells {
                let ci = bounds(cell.accuracy)
                let difference = cell.differenceFromReal
                text += "| \(HTMLReport.format(cell.realFraction)) | \(cell.realCount) | \(HTMLReport.format(cell.syntheticRatio)) "
                    + "| \(cell.source) | \(cell.seeds) | \(HTMLReport.fixed(cell.accuracy.mean)) | \(ci) "
                    + "| \(difference.map { String(format: "%+.4f", $0.mean) } ?? "") | \(difference.map(bounds) ?? "") "
                    + "| \(cell.differencePValue.map { String(format: "%.3g", $0) } ?? "") |\n"
            }
        }
        if !summary.syntheticOnly.isEmpty {
            text += "\n## Synthetic data alone, tested on real data\n\n| generator | training images | accuracy | 95% CI |\n|---|---:|---:|---|\n"
            for row in summary.syntheticOnly {
                text += "| \(row.model) | \(row.trainCount) | \(HTMLReport.fixed(row.accuracy.mean)) | \(bounds(row.accuracy)) |\n"
            }
        }
        for gan in summary.gans where !gan.final.isEmpty {
            text += "\n## \(gan.model)\n\n"
            for (metric, value) in gan.final.sorted(by: { $0.key < $1.key }) {
                text += "- \(metric): \(HTMLReport.fixed(value))\n"
            }
            if let mode = gan.modeSummary { text += "\n\(mode)\n" }
        }
        if !summary.labeling.isEmpty {
            text += "\n## Labelling yield\n\n| source | drawn | kept | target per class |\n|---|---:|---:|---:|\n"
            for row in summary.labeling {
                text += "| \(row.model) | \(row.drawn) | \(row.kept) | \(row.targetPerClass) |\n"
            }
        }
        text += "\n## Timings\n\n"
        for timing in summary.timings { text += "- \(timing.stage): \(String(format: "%.1f", timing.seconds)) s\n" }
        return text
    }

    /// One row per Set 3 cell.
    public static func cellsCSV(_ summary: ExperimentSummary) -> String {
        var text = "real_fraction,real_count,synthetic_ratio,source,seeds,accuracy_mean,accuracy_std,accuracy_ci_low,"
            + "accuracy_ci_high,balanced_accuracy_mean,macro_f1_mean,ece_mean,difference_mean,difference_ci_low,"
            + "difference_ci_high,difference_p\n"
        for cell in summary.cells {
            let fields: [String] = [
                "\(cell.realFraction)", "\(cell.realCount)", "\(cell.syntheticRatio)", cell.source, "\(cell.seeds)",
                number(cell.accuracy.mean), number(cell.accuracy.std), number(cell.accuracy.low), number(cell.accuracy.high),
                number(cell.balancedAccuracy.mean), number(cell.macroF1.mean), number(cell.calibrationError.mean),
                number(cell.differenceFromReal?.mean), number(cell.differenceFromReal?.low),
                number(cell.differenceFromReal?.high), number(cell.differencePValue),
            ]
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    static func bounds(_ value: ExperimentSummary.Interval) -> String {
        guard let low = value.low, let high = value.high, low.isFinite, high.isFinite else { return "n/a" }
        return String(format: "[%.4f, %.4f]", low, high)
    }

    static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        return String(value)
    }
}
