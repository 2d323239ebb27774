import Foundation
import Testing
import TestSupport
import Torch

@testable import GDA

@Suite("Classifier metrics and mode table")
struct ClassifierMetricTests {
    // 5 classes over 24 samples: class 3 is never predicted; class 4 is predicted but never true.
    static let labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 0, 1, 2, 2, 3, 1]
    static let predictions = [0, 0, 1, 0, 2, 1, 1, 0, 1, 2, 2, 2, 4, 1, 2, 0, 2, 1, 0, 1, 2, 4, 2, 1]

    /// Deterministic probabilities whose argmax is `predictions` and whose confidences spread
    /// over several bins.
    static func probabilities() throws -> (Tensor, [[Double]]) {
        var rows: [[Double]] = []
        for (index, prediction) in predictions.enumerated() {
            let confidence = 0.3 + 0.65 * Double((index * 7) % 24) / 23
            var row = Array(repeating: (1 - confidence) / 4, count: 5)
            row[prediction] = confidence
            rows.append(row)
        }
        return (try MetricFixtures.matrix(rows).to(.float32), rows)
    }

    @Test("metrics match scikit-learn")
    func matchesScikitLearn() throws {
        let (probabilities, rows) = try Self.probabilities()
        let reference = try MetricFixtures.oracle(
            "classification_reference.py",
            request: ["labels": Self.labels, "predictions": Self.predictions, "probabilities": rows,
                      "class_count": 5])
        let metrics = try ClassifierMetrics.compute(labels: Self.labels, predictions: Self.predictions,
                                                    probabilities: probabilities, classCount: 5)
        let report = try #require(reference["report"] as? [String: Any])

        #expect(metrics.count == Self.labels.count)
        #expect(isClose(metrics.accuracy, try #require(report["accuracy"] as? Double), tolerance: 1e-12))
        #expect(isClose(metrics.balancedAccuracy, try #require(reference["balanced_accuracy"] as? Double),
                        tolerance: 1e-12))
        #expect(metrics.confusionMatrix == reference["confusion_matrix"] as? [[Int]])

        for c in 0..<5 {
            let row = try #require(report["\(c)"] as? [String: Double])
            let scores = metrics.perClass[c]
            #expect(isClose(scores.precision, try #require(row["precision"]), tolerance: 1e-12), "precision of \(c)")
            #expect(isClose(scores.recall, try #require(row["recall"]), tolerance: 1e-12), "recall of \(c)")
            #expect(isClose(scores.f1, try #require(row["f1-score"]), tolerance: 1e-12), "F1 of \(c)")
            #expect(Double(scores.support) == row["support"], "support of \(c)")
        }
        for (name, averages) in [("macro avg", metrics.macro), ("weighted avg", metrics.weighted)] {
            let row = try #require(report[name] as? [String: Double])
            #expect(isClose(averages.precision, try #require(row["precision"]), tolerance: 1e-12), "\(name) precision")
            #expect(isClose(averages.recall, try #require(row["recall"]), tolerance: 1e-12), "\(name) recall")
            #expect(isClose(averages.f1, try #require(row["f1-score"]), tolerance: 1e-12), "\(name) F1")
        }

        let ece = try #require(metrics.expectedCalibrationError)
        // The probabilities went through float32, so the confidences differ in the 8th digit.
        #expect(isClose(ece, try #require(reference["ece"] as? Double), tolerance: 1e-6))
        #expect(metrics.perClass[3].precision == 0)
        #expect(metrics.perClass[4].recall == 0)
    }

    @Test("metrics encode as JSON")
    func codable() throws {
        let metrics = try ClassifierMetrics.compute(labels: Self.labels, predictions: Self.predictions, classCount: 5)
        #expect(metrics.expectedCalibrationError == nil)
        let data = try JSONEncoder().encode(metrics)
        #expect(try JSONDecoder().decode(ClassifierMetrics.self, from: data) == metrics)
    }

    @Test("calibration error of perfect and overconfident predictions")
    func calibrationLimits() throws {
        let labels = [0, 1, 0, 1]
        let confident = try Tensor([1, 0, 0, 1, 1, 0, 0, 1] as [Double], shape: [4, 2])
        let perfect = try ClassifierMetrics.compute(labels: labels, predictions: labels, probabilities: confident,
                                                    classCount: 2)
        #expect(perfect.expectedCalibrationError == 0)
        let wrong = try ClassifierMetrics.compute(labels: labels, predictions: [1, 0, 1, 0], probabilities: confident,
                                                  classCount: 2)
        #expect(wrong.expectedCalibrationError == 1)
    }

    @Test("classifier metrics reject bad input")
    func rejectsBadInput() throws {
        #expect(throws: GDAError.self) { try ClassifierMetrics.compute(labels: [0, 1], predictions: [0], classCount: 2) }
        #expect(throws: GDAError.self) { try ClassifierMetrics.compute(labels: [0, 2], predictions: [0, 1], classCount: 2) }
        #expect(throws: GDAError.self) { try ClassifierMetrics.compute(labels: [], predictions: [], classCount: 2) }
        let wrongShape = try Tensor.full([2, 3], 1.0 / 3)
        #expect(throws: GDAError.self) {
            try ClassifierMetrics.compute(labels: [0, 1], predictions: [0, 1], probabilities: wrongShape, classCount: 2)
        }
    }

    @Test("mode table matches numpy")
    func modeTable() throws {
        // 4 generators over 6 classes: generator 2 splits evenly (tie), generator 3 is empty.
        let generators = [0, 0, 0, 0, 1, 1, 1, 2, 2, 0, 1, 1]
        let classes = [5, 5, 1, 5, 2, 2, 0, 3, 4, 5, 2, 0]
        let reference = try MetricFixtures.oracle(
            "classification_reference.py",
            request: ["labels": [0], "predictions": [0], "probabilities": NSNull(), "class_count": 6,
                      "generators": generators, "classes": classes, "generator_count": 4])
        let modes = try #require(reference["modes"] as? [String: Any])
        let table = try ModeTable.compute(generators: generators, classes: classes, generatorCount: 4, classCount: 6)

        #expect(table.counts == modes["counts"] as? [[Int]])
        let majority = try #require(modes["majority"] as? [Any])
        #expect(table.majorityClass == majority.map { $0 as? Int })
        let purity = try #require(modes["purity"] as? [Any])
        #expect(table.purity == purity.map { $0 as? Double })
        #expect(isClose(table.klFromUniform, try #require(modes["kl"] as? Double), tolerance: 1e-12))
        #expect(table.coveredClasses == [2, 3, 5])
        #expect(table.classesWithSamples == [0, 1, 2, 3, 4, 5])
    }

    @Test("mode table limits and bad input")
    func modeTableEdges() throws {
        let single = try ModeTable.compute(generators: [0, 1, 1], classes: [2, 2, 2], generatorCount: 2, classCount: 4)
        #expect(isClose(single.klFromUniform, Foundation.log(4), tolerance: 1e-12))
        #expect(single.coveredClasses == [2])
        let even = try ModeTable.compute(generators: [0, 1], classes: [0, 1], generatorCount: 2, classCount: 2)
        #expect(even.klFromUniform == 0)
        #expect(throws: GDAError.self) {
            try ModeTable.compute(generators: [0, 2], classes: [0, 1], generatorCount: 2, classCount: 2)
        }
        #expect(throws: GDAError.self) {
            try ModeTable.compute(generators: [0], classes: [0, 1], generatorCount: 2, classCount: 2)
        }
    }
}
