import Foundation

/// Renders the experiment summary as one self-contained HTML page: images are embedded as
/// data URIs and charts as inline SVG, so the page fetches nothing.
public enum HTMLReport {
    public static func render(_ summary: ExperimentSummary, runFolder: String) -> String {
        var body = ""
        body += "<h1>Does synthetic data help? \(SVG.escape(summary.dataset))</h1>\n"
        body += "<p class=\"meta\">Run \(SVG.escape(summary.name)), \(SVG.escape(summary.createdAt)); "
            + "\(summary.trainCount) training and \(summary.testCount) test images in \(summary.classNames.count) classes.</p>\n"
        body += answer(summary)
        body += set3(summary)
        body += generators(summary, runFolder: runFolder)
        body += labelling(summary)
        body += confusion(summary)
        body += details(summary)
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>gda report: \(SVG.escape(summary.name))</title>
        <style>
        body { font-family: sans-serif; max-width: 1100px; margin: 24px auto; padding: 0 16px; color: #222; }
        table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
        th { background: #f3f3f3; }
        td.text, th.text { text-align: left; }
        .meta { color: #666; }
        .answer { background: #f5f9ff; border-left: 4px solid #1f77b4; padding: 8px 14px; }
        img.grid { image-rendering: pixelated; max-width: 100%; border: 1px solid #ddd; }
        figure { display: inline-block; margin: 8px 16px 8px 0; vertical-align: top; }
        pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 12px; }
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    // MARK: - Sections

    static func answer(_ summary: ExperimentSummary) -> String {
        var html = "<h2>The answer</h2>\n<div class=\"answer\">\n"
        if summary.best.isEmpty {
            html += "<p>No classifier results yet.</p>\n"
        }
        for best in summary.best {
            html += "<p>\(SVG.escape(best.sentence))</p>\n"
        }
        html += "<p>Intervals are 95% Student-t intervals over seeds; differences are paired with the "
            + "real-only classifier trained on the same real subset with the same seed.</p>\n</div>\n"
        for note in summary.notes {
            html += "<p class=\"meta\">Note: \(SVG.escape(note))</p>\n"
        }
        return html
    }

    static func set3(_ summary: ExperimentSummary) -> String {
        guard !summary.cells.isEmpty else { return "" }
        var html = "<h2>Classifiers on real and synthetic data</h2>\n"
        // Real-only cells (ratio 0) are the baseline drawn in every ratio's chart.
        let ratios = Set(summary.cells.map(\.syntheticRatio)).subtracting([0]).sorted()
        for ratio in ratios.isEmpty ? [0] : ratios {
            let cells = summary.cells.filter { $0.syntheticRatio == ratio || $0.source == "real" }
            let sources = orderedSources(cells.map(\.source))
            let series = sources.map { source -> SVG.Series in
                let rows = cells.filter { $0.source == source }.sorted { $0.realFraction < $1.realFraction }
                return SVG.Series(name: source, points: rows.map { ($0.realFraction, $0.accuracy.mean) },
                                  intervals: rows.map { ($0.accuracy.low ?? .nan, $0.accuracy.high ?? .nan) })
            }
            html += SVG.lineChart(title: "Test accuracy, \(format(ratio)) synthetic per real image",
                                  xLabel: "fraction of real training data", yLabel: "accuracy", series: series,
                                  logX: true) + "\n"
        }
        html += "<table>\n<tr><th>real fraction</th><th>real images</th><th>synthetic ratio</th><th class=\"text\">source</th>"
            + "<th>seeds</th><th>accuracy (95% CI)</th><th>balanced acc.</th><th>macro F1</th><th>ECE</th>"
            + "<th>Δ vs real (95% CI)</th><th>p</th></tr>\n"
        for cell in summary.cells {
            html += "<tr><td>\(format(cell.realFraction))</td><td>\(cell.realCount)</td><td>\(format(cell.syntheticRatio))</td>"
                + "<td class=\"text\">\(SVG.escape(cell.source))</td><td>\(cell.seeds)</td>"
                + "<td>\(interval(cell.accuracy))</td><td>\(fixed(cell.balancedAccuracy.mean))</td>"
                + "<td>\(fixed(cell.macroF1.mean))</td><td>\(fixed(cell.calibrationError.mean))</td>"
                + "<td>\(cell.differenceFromReal.map { interval($0, signed: true) } ?? "")</td>"
                + "<td>\(cell.differencePValue.map { String(format: "%.3g", $0) } ?? "")</td></tr>\n"
        }
        html += "</table>\n"
        if !summary.syntheticOnly.isEmpty {
            html += "<h3>Synthetic data alone, tested on real data</h3>\n<table>\n"
                + "<tr><th class=\"text\">generator</th><th>training images</th><th>accuracy (95% CI)</th></tr>\n"
            for row in summary.syntheticOnly {
                html += "<tr><td class=\"text\">\(SVG.escape(row.model))</td><td>\(row.trainCount)</td>"
                    + "<td>\(interval(row.accuracy))</td></tr>\n"
            }
            html += "</table>\n"
        }
        return html
    }

    static func generators(_ summary: ExperimentSummary, runFolder: String) -> String {
        guard !summary.gans.isEmpty else { return "" }
        var html = "<h2>Generators</h2>\n"
        for gan in summary.gans {
            html += "<h3>\(SVG.escape(gan.model))</h3>\n"
            if let grid = gan.sampleGrid, let data = FileManager.default.contents(atPath: "\(runFolder)/\(grid)") {
                html += "<figure><img class=\"grid\" alt=\"\(SVG.escape(gan.model)) samples\" "
                    + "src=\"data:image/png;base64,\(data.base64EncodedString())\">"
                    + "<figcaption>Samples, one row per \(SVG.escape(gan.gridRows)).</figcaption></figure>\n"
            }
            // Spreads (is_std, kid_std) are in the final table; the curves show the values.
            for (metric, values) in gan.curves.sorted(by: { $0.key < $1.key }) where !values.isEmpty && !metric.hasSuffix("_std") {
                html += SVG.lineChart(title: "\(gan.model): \(metric) by epoch", xLabel: "epoch", yLabel: metric,
                                      series: [SVG.Series(name: metric, points: values.map { (Double($0.epoch), $0.value) })],
                                      integerX: true, width: 420, height: 260) + "\n"
            }
            if !gan.final.isEmpty {
                html += "<table><tr>" + gan.final.keys.sorted().map { "<th>\(SVG.escape($0))</th>" }.joined() + "</tr>\n<tr>"
                    + gan.final.keys.sorted().map { "<td>\(fixed(gan.final[$0] ?? .nan))</td>" }.joined() + "</tr></table>\n"
            }
            if let table = gan.modeTable, !table.isEmpty {
                html += SVG.heatMap(title: "\(gan.model): classes each generator produces",
                                    rows: table.indices.map { "generator \($0)" }, columns: summary.classNames,
                                    values: table.map { $0.map(Double.init) }, rowAxis: "generator",
                                    columnAxis: "class from the domain classifier") + "\n"
                if let text = gan.modeSummary { html += "<p>\(SVG.escape(text))</p>\n" }
            }
        }
        return html
    }

    static func labelling(_ summary: ExperimentSummary) -> String {
        guard !summary.labeling.isEmpty else { return "" }
        var html = "<h2>Labelling yield</h2>\n<table>\n<tr><th class=\"text\">source</th><th>drawn</th><th>kept</th><th>target per class</th>"
            + summary.classNames.map { "<th>\(SVG.escape($0))</th>" }.joined() + "</tr>\n"
        for row in summary.labeling {
            html += "<tr><td class=\"text\">\(SVG.escape(row.model))</td><td>\(row.drawn)</td><td>\(row.kept)</td>"
                + "<td>\(row.targetPerClass)</td>" + row.keptPerClass.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
        }
        html += "</table>\n"
        for row in summary.labeling {
            if let fractions = row.keptFractionPerGenerator {
                html += "<p>\(SVG.escape(row.model)): kept fraction per generator: "
                    + fractions.enumerated().map { "\($0.offset): \(fixed($0.element))" }.joined(separator: ", ") + "</p>\n"
            }
            if let note = row.note { html += "<p class=\"meta\">\(SVG.escape(row.model)): \(SVG.escape(note))</p>\n" }
        }
        return html
    }

    static func confusion(_ summary: ExperimentSummary) -> String {
        guard !summary.confusion.isEmpty else { return "" }
        var html = "<h2>Confusion matrices</h2>\n"
        for matrix in summary.confusion {
            html += SVG.heatMap(title: matrix.title, rows: summary.classNames, columns: summary.classNames,
                                values: matrix.matrix.map { $0.map(Double.init) }, rowAxis: "true class",
                                columnAxis: "predicted class", cell: 30) + "\n"
        }
        return html
    }

    static func details(_ summary: ExperimentSummary) -> String {
        var html = "<h2>Run details</h2>\n"
        if let accuracy = summary.domainAccuracy {
            html += "<p>Domain feature classifier test accuracy: \(fixed(accuracy)).</p>\n"
        }
        html += "<table>\n<tr><th class=\"text\">stage</th><th>seconds</th></tr>\n"
        for timing in summary.timings {
            html += "<tr><td class=\"text\">\(SVG.escape(timing.stage))</td><td>\(String(format: "%.1f", timing.seconds))</td></tr>\n"
        }
        html += "</table>\n<p>Versions: " + summary.versions.sorted { $0.key < $1.key }
            .map { "\(SVG.escape($0.key)) \(SVG.escape($0.value))" }.joined(separator: ", ") + "</p>\n"
        html += "<h3>Config</h3>\n<pre>\(SVG.escape(summary.config))</pre>\n"
        return html
    }

    // MARK: - Formatting

    static let sourceOrder = ExperimentConfig.sourceNames

    static func orderedSources(_ sources: [String]) -> [String] {
        Array(Set(sources)).sorted {
            (sourceOrder.firstIndex(of: $0) ?? 99, $0) < (sourceOrder.firstIndex(of: $1) ?? 99, $1)
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
    }

    static func fixed(_ value: Double) -> String {
        value.isFinite ? String(format: "%.4f", value) : "n/a"
    }

    static func interval(_ value: ExperimentSummary.Interval, signed: Bool = false) -> String {
        let mean = signed ? String(format: "%+.4f", value.mean) : fixed(value.mean)
        guard let low = value.low, let high = value.high, low.isFinite, high.isFinite else { return mean }
        return mean + (signed ? String(format: " [%+.4f, %+.4f]", low, high) : String(format: " [%.4f, %.4f]", low, high))
    }
}
