import Foundation
import Torch

/// Standard classification metrics, computed as scikit-learn computes them with
/// `labels=range(classCount)` and `zero_division=0`: a precision, recall or F1 whose
/// denominator is 0 counts as 0.
public struct ClassifierMetrics: Codable, Sendable, Equatable {
    /// Precision, recall, F1 and support of one class.
    public struct ClassScores: Codable, Sendable, Equatable {
        public let precision: Double
        public let recall: Double
        public let f1: Double
        /// The number of samples whose true label is this class.
        public let support: Int
    }

    /// Precision, recall and F1 averaged over classes.
    public struct Averages: Codable, Sendable, Equatable {
        public let precision: Double
        public let recall: Double
        public let f1: Double
    }

    public let count: Int
    public let accuracy: Double
    /// The mean recall over classes with at least one true sample (scikit-learn's
    /// `balanced_accuracy_score`).
    public let balancedAccuracy: Double
    /// One entry per class, indexed by class.
    public let perClass: [ClassScores]
    /// Unweighted means over all `classCount` classes, absent ones included as zeros.
    public let macro: Averages
    /// Means weighted by support.
    public let weighted: Averages
    /// `confusionMatrix[true][predicted]`: rows are true classes.
    public let confusionMatrix: [[Int]]
    /// Expected calibration error over 15 equal-width confidence bins; nil without
    /// probabilities.
    public let expectedCalibrationError: Double?

    /// Metrics of `predictions` against `labels`, both in `0..<classCount`.
    ///
    /// - Parameter probabilities: optional (N, classCount) class probabilities. When given,
    ///   the expected calibration error (Guo et al., "On Calibration of Modern Neural
    ///   Networks", 2017) is `Σ_b (n_b / N) |acc_b - conf_b|`, where bin b contains the samples
    ///   whose confidence, the row's maximum probability, lies in `(b/15, (b+1)/15]`, and
    ///   accuracy compares `predictions` with `labels`.
    public static func compute(labels: [Int], predictions: [Int], probabilities: Tensor? = nil,
                               classCount: Int) throws -> ClassifierMetrics {
        try checkInputs(labels: labels, predictions: predictions, classCount: classCount)
        let n = labels.count

        var confusion = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        for (label, prediction) in zip(labels, predictions) { confusion[label][prediction] += 1 }

        var perClass: [ClassScores] = []
        for c in 0..<classCount {
            let truePositives = confusion[c][c]
            let support = confusion[c].reduce(0, +)
            let predicted = confusion.reduce(0) { $0 + $1[c] }
            let precision = ratio(truePositives, predicted)
            let recall = ratio(truePositives, support)
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            perClass.append(ClassScores(precision: precision, recall: recall, f1: f1, support: support))
        }

        let correct = (0..<classCount).reduce(0) { $0 + confusion[$1][$1] }
        let present = perClass.filter { $0.support > 0 }
        let balanced = present.map(\.recall).reduce(0, +) / Double(present.count)

        return ClassifierMetrics(
            count: n, accuracy: Double(correct) / Double(n), balancedAccuracy: balanced,
            perClass: perClass, macro: average(perClass, weighted: false),
            weighted: average(perClass, weighted: true), confusionMatrix: confusion,
            expectedCalibrationError: try probabilities.map {
                try calibrationError(labels: labels, predictions: predictions, probabilities: $0,
                                     classCount: classCount)
            })
    }

    // MARK: - Parts

    /// The number of confidence bins of the expected calibration error.
    public static let calibrationBins = 15

    static func calibrationError(labels: [Int], predictions: [Int], probabilities: Tensor,
                                 classCount: Int) throws -> Double {
        guard probabilities.shape == [labels.count, classCount] else {
            throw GDAError("class probabilities must have shape [\(labels.count), \(classCount)], "
                + "found \(probabilities.shape)")
        }
        let confidences = try probabilities.to(.cpu, dtype: .float64).max(dim: 1).values.scalars(as: Double.self)
        if let index = confidences.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw GDAError("class probabilities of sample \(index) have maximum \(confidences[index]), "
                + "expected a value in [0, 1]")
        }

        let bins = calibrationBins
        var binCount = [Int](repeating: 0, count: bins)
        var binCorrect = [Int](repeating: 0, count: bins)
        var binConfidence = [Double](repeating: 0, count: bins)
        for i in labels.indices {
            // Bin b covers (b/15, (b+1)/15]; a confidence of exactly 0 joins the first bin.
            let bin = Swift.min(bins - 1, Swift.max(0, Int((confidences[i] * Double(bins)).rounded(.up)) - 1))
            binCount[bin] += 1
            binConfidence[bin] += confidences[i]
            if labels[i] == predictions[i] { binCorrect[bin] += 1 }
        }
        let n = Double(labels.count)
        return (0..<bins).reduce(0.0) { sum, b in
            guard binCount[b] > 0 else { return sum }
            let count = Double(binCount[b])
            let gap = Swift.abs(Double(binCorrect[b]) / count - binConfidence[b] / count)
            return sum + count / n * gap
        }
    }

    private static func checkInputs(labels: [Int], predictions: [Int], classCount: Int) throws {
        guard classCount > 0 else { throw GDAError("classifier metrics need at least one class, found \(classCount)") }
        guard labels.count == predictions.count else {
            throw GDAError("classifier metrics need one prediction per label, found \(labels.count) labels "
                + "and \(predictions.count) predictions")
        }
        guard !labels.isEmpty else { throw GDAError("classifier metrics need at least one sample, found none") }
        for (name, values) in [("label", labels), ("prediction", predictions)] {
            if let index = values.firstIndex(where: { !(0..<classCount).contains($0) }) {
                throw GDAError("\(name) \(values[index]) at sample \(index) is outside 0..<\(classCount)")
            }
        }
    }

    private static func ratio(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }

    private static func average(_ scores: [ClassScores], weighted: Bool) -> Averages {
        let weights = scores.map { weighted ? Double($0.support) : 1 }
        let total = weights.reduce(0, +)
        func mean(_ value: KeyPath<ClassScores, Double>) -> Double {
            total == 0 ? 0 : zip(scores, weights).reduce(0) { $0 + $1.0[keyPath: value] * $1.1 } / total
        }
        return Averages(precision: mean(\.precision), recall: mean(\.recall), f1: mean(\.f1))
    }
}
