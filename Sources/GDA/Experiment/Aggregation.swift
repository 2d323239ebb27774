import Foundation

/// Turns Set 3 run results into the report's cells, best sources and sentences.
public enum Aggregation {
    /// One cell per (real fraction, ratio, source) with its statistics over seeds; real-only
    /// results appear in every ratio's cells.
    public static func cells(_ results: [ClassifierRunResult], ratios: [Double]) throws -> [ExperimentSummary.Cell] {
        let baseline = Dictionary(grouping: results.filter { $0.spec.source == "real" }) {
            FractionSeed(fraction: $0.spec.realFraction, seed: $0.spec.seed)
        }.compactMapValues(\.first)
        var cells: [ExperimentSummary.Cell] = []
        let fractions = Set(results.map(\.spec.realFraction)).sorted()
        for fraction in fractions {
            for ratio in ratios {
                let group = results.filter {
                    $0.spec.realFraction == fraction && ($0.spec.source == "real" || $0.spec.syntheticRatio == ratio)
                }
                let sources = HTMLReport.orderedSources(group.map(\.spec.source))
                for source in sources {
                    let runs = group.filter { $0.spec.source == source }.sorted { $0.spec.seed < $1.spec.seed }
                    guard let first = runs.first else { continue }
                    var cell = ExperimentSummary.Cell(
                        realFraction: fraction, realCount: first.realCount, syntheticRatio: source == "real" ? 0 : ratio,
                        source: source, seeds: runs.count,
                        accuracy: try interval(runs.map(\.scores.accuracy)),
                        balancedAccuracy: try interval(runs.map(\.scores.balancedAccuracy)),
                        macroF1: try interval(runs.map(\.scores.macroF1)),
                        calibrationError: try interval(runs.map(\.scores.calibrationError)))
                    if source != "real" {
                        let pairs = runs.compactMap { run in
                            baseline[FractionSeed(fraction: fraction, seed: run.spec.seed)].map { (run.scores.accuracy, $0.scores.accuracy) }
                        }
                        if !pairs.isEmpty {
                            let test = try PairedTTest(pairs.map(\.0), pairs.map(\.1))
                            cell.differenceFromReal = ExperimentSummary.Interval(
                                mean: test.meanDifference, std: nil, low: test.interval?.lower, high: test.interval?.upper)
                            cell.differencePValue = test.pValue
                        }
                    }
                    cells.append(cell)
                }
            }
        }
        return cells
    }

    /// The best source per (fraction, ratio) by mean accuracy, and whether its lead over every
    /// other source is beyond seed noise (each paired 95% interval excludes zero).
    public static func best(_ results: [ClassifierRunResult], cells: [ExperimentSummary.Cell],
                            realCounts: [Double: Int]) throws -> [ExperimentSummary.Best] {
        var answers: [ExperimentSummary.Best] = []
        let keys = Set(cells.filter { $0.source != "real" }.map { FractionRatio(fraction: $0.realFraction, ratio: $0.syntheticRatio) })
        for key in keys.sorted(by: { ($0.fraction, $0.ratio) < ($1.fraction, $1.ratio) }) {
            let candidates = cells.filter {
                $0.realFraction == key.fraction && ($0.source == "real" || $0.syntheticRatio == key.ratio)
            }.sorted { $0.accuracy.mean > $1.accuracy.mean }
            guard let winner = candidates.first else { continue }
            func accuracies(_ source: String) -> [Int: Double] {
                Dictionary(uniqueKeysWithValues: results.filter {
                    $0.spec.realFraction == key.fraction && $0.spec.source == source
                        && ($0.spec.source == "real" || $0.spec.syntheticRatio == key.ratio)
                }.map { ($0.spec.seed, $0.scores.accuracy) })
            }
            let winnerScores = accuracies(winner.source)
            var beyondNoise = candidates.count > 1
            for other in candidates.dropFirst() {
                let otherScores = accuracies(other.source)
                let seeds = Set(winnerScores.keys).intersection(otherScores.keys).sorted()
                guard seeds.count >= 2 else {
                    beyondNoise = false
                    continue
                }
                let test = try PairedTTest(seeds.map { winnerScores[$0]! }, seeds.map { otherScores[$0]! })
                if !((test.interval?.lower ?? -1) > 0) { beyondNoise = false }
            }
            let realCount = realCounts[key.fraction] ?? winner.realCount
            var sentence = "With \(percent(key.fraction)) of the real training data (\(realCount) images)"
            if winner.source != "real" { sentence += " and \(HTMLReport.format(key.ratio)) synthetic image(s) per real image" }
            sentence += ", \(describe(winner.source)) gave the highest mean test accuracy, "
                + String(format: "%.4f", winner.accuracy.mean)
            if let runnerUp = candidates.dropFirst().first {
                sentence += " against " + String(format: "%.4f", runnerUp.accuracy.mean) + " for " + describe(runnerUp.source)
            }
            if winner.source != "real", let difference = winner.differenceFromReal {
                sentence += String(format: "; %+.4f over real data alone", difference.mean)
                if let low = difference.low, let high = difference.high {
                    sentence += String(format: " (95%% CI [%+.4f, %+.4f])", low, high)
                }
            }
            sentence += beyondNoise
                ? ". Its lead over every other source is beyond seed noise (paired 95% intervals exclude zero)."
                : ". Its lead is within seed noise: at least one paired 95% interval includes zero, so more seeds are needed to separate the sources."
            answers.append(ExperimentSummary.Best(realFraction: key.fraction, syntheticRatio: key.ratio, source: winner.source,
                                                  runnerUp: candidates.dropFirst().first?.source,
                                                  beyondNoise: beyondNoise, sentence: sentence))
        }
        return answers
    }

    static func interval(_ values: [Double]) throws -> ExperimentSummary.Interval {
        let summary = try Summary(values)
        return ExperimentSummary.Interval(mean: summary.mean, std: summary.standardDeviation,
                                          low: summary.interval?.lower, high: summary.interval?.upper)
    }

    static func describe(_ source: String) -> String {
        switch source {
        case "real": "real data alone"
        case "traditional": "traditional augmentation"
        case "cgan": "cGAN images"
        case "madgan": "MADGAN images"
        case "traditional+cgan": "cGAN images with traditional augmentation"
        case "traditional+madgan": "MADGAN images with traditional augmentation"
        default: source
        }
    }

    static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%g%%", value)
    }

    struct FractionSeed: Hashable {
        var fraction: Double
        var seed: Int
    }

    struct FractionRatio: Hashable {
        var fraction: Double
        var ratio: Double
    }
}
