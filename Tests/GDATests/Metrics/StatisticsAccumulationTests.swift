import Foundation
import Testing
import TestSupport
import Torch

@testable import GDA

@Suite("Feature statistics and Inception Score")
struct StatisticsAccumulationTests {
    @Test("covariance of a large-mean set matches numpy")
    func largeMean() throws {
        // 2000×8 with mean 100 and std 0.1: a one-pass float32 sum of squares loses the
        // covariance entirely here.
        let generator = try Generator(seed: 11)
        let features = try Tensor.randn([2000, 8], generator: generator, dtype: .float64) * 0.1 + 100
        let reference = try numpyStatistics(features)

        var statistics = FeatureStatistics()
        for start in stride(from: 0, to: 2000, by: 64) {
            try statistics.update(features.slice(dim: 0, start: start, end: Swift.min(start + 64, 2000)))
        }
        #expect(statistics.count == 2000)
        #expect(statistics.dimension == 8)
        let mean = try statistics.mean().scalars(as: Double.self)
        let unbiased = try statistics.covariance().scalars(as: Double.self)
        let biased = try statistics.covariance(.n).scalars(as: Double.self)
        #expect(maxDifference(mean, reference.mean) <= 1e-12)
        #expect(maxDifference(unbiased, reference.unbiased) <= 1e-9)
        #expect(maxDifference(biased, reference.biased) <= 1e-9)

        // The same data through the naive float32 formula E[xxᵀ] - E[x]E[x]ᵀ misses by far more.
        let single = try features.to(.float32)
        let n = Double(2000)
        let columnMean = try single.mean(dims: [0]).unsqueeze(0)
        let naive = try (single.transposed(0, 1).matmul(single) / n
            - columnMean.transposed(0, 1).matmul(columnMean)) * (n / (n - 1))
        #expect(maxDifference(try naive.scalars(as: Float.self).map(Double.init), reference.unbiased) > 1e-5)
    }

    @Test("covariance of a sorted stream matches numpy")
    func sortedStream() throws {
        // Rows sorted by their first feature: the first batch, whose mean becomes the shift,
        // sits about 2 standard deviations below the overall mean.
        let generator = try Generator(seed: 13)
        let features = try Tensor.randn([2000, 8], generator: generator, dtype: .float64) * 0.1 + 100
        let first = try features.select(dim: 1, index: 0).scalars(as: Double.self)
        let order = first.indices.sorted { first[$0] < first[$1] }.map(Int64.init)
        let sorted = try features.rows(Tensor(order))
        let reference = try numpyStatistics(sorted)

        var statistics = FeatureStatistics()
        for start in stride(from: 0, to: 2000, by: 50) {
            try statistics.update(sorted.slice(dim: 0, start: start, end: start + 50))
        }
        let mean = try statistics.mean().scalars(as: Double.self)
        let covariance = try statistics.covariance().scalars(as: Double.self)
        #expect(maxDifference(mean, reference.mean) <= 1e-12)
        #expect(maxDifference(covariance, reference.unbiased) <= 1e-9)
    }

    @Test("covariance with mean 1e6 keeps relative precision")
    func hugeMean() throws {
        let generator = try Generator(seed: 12)
        let features = try Tensor.randn([1000, 5], generator: generator, dtype: .float64) + 1e6
        let reference = try numpyStatistics(features)
        var statistics = FeatureStatistics()
        for start in stride(from: 0, to: 1000, by: 37) {
            try statistics.update(features.slice(dim: 0, start: start, end: Swift.min(start + 37, 1000)))
        }
        let covariance = try statistics.covariance().scalars(as: Double.self)
        #expect(maxDifference(covariance, reference.unbiased) <= 1e-8)
    }

    @Test("statistics copies stay independent")
    func copies() throws {
        let generator = try Generator(seed: 14)
        let first = try Tensor.randn([10, 3], generator: generator, dtype: .float64)
        let second = try Tensor.randn([10, 3], generator: generator, dtype: .float64) + 2
        var original = try FeatureStatistics(features: first)
        try original.update(second)
        let before = try original.covariance().scalars(as: Double.self)
        var copy = original
        try copy.update(first)
        try copy.update(second)
        #expect(try original.covariance().scalars(as: Double.self) == before)
        #expect(original.count == 20)
        #expect(copy.count == 40)
        #expect(try copy.covariance().scalars(as: Double.self) != before)
    }

    @Test("statistics reject mismatched or bad batches")
    func rejectsBadBatches() throws {
        var statistics = FeatureStatistics()
        #expect(throws: GDAError.self) { try statistics.mean() }
        try statistics.update(Tensor.zeros([3, 4], dtype: .float64))
        #expect(throws: GDAError.self) { try statistics.update(Tensor.zeros([3, 5])) }
        #expect(throws: GDAError.self) { try statistics.update(Tensor.zeros([3, 4, 1])) }
        #expect(throws: GDAError.self) { try statistics.update(Tensor.zeros([3, 4], dtype: .int64)) }
        #expect(throws: GDAError.self) { try statistics.update(Tensor.full([2, 4], .nan)) }
        let single = try FeatureStatistics(features: Tensor.zeros([1, 4]))
        #expect(throws: GDAError.self) { try single.covariance() }
        #expect(try single.covariance(.n).scalars(as: Double.self) == Array(repeating: 0, count: 16))
    }

    @Test("Inception Score of one-hot and uniform predictions")
    func inceptionScoreLimits() throws {
        let classes = 7
        // 10 splits of 14 rows, each cycling through the classes twice.
        let labels = (0..<(10 * 2 * classes)).map { $0 % classes }
        var oneHot = [Double](repeating: 0, count: labels.count * classes)
        for (row, label) in labels.enumerated() { oneHot[row * classes + label] = 1 }
        let sharp = try InceptionScore.compute(probabilities: Tensor(oneHot, shape: [labels.count, classes]))
        #expect(isClose(sharp.mean, Double(classes), tolerance: 1e-12))
        #expect(sharp.standardDeviation <= 1e-12)
        #expect(sharp.splits == 10)

        let uniform = try Tensor.full([50, classes], 1.0 / Double(classes), dtype: .float32)
        let flat = try InceptionScore.compute(probabilities: uniform, splits: 5)
        #expect(isClose(flat.mean, 1, tolerance: 1e-6))
    }

    @Test("Inception Score matches numpy")
    func inceptionScoreReference() throws {
        let generator = try Generator(seed: 4)
        let probabilities = try (Tensor.randn([53, 6], generator: generator, dtype: .float64) * 2).softmax(dim: 1)
        let values = try probabilities.scalars(as: Double.self)
        let rows = stride(from: 0, to: values.count, by: 6).map { Array(values[$0..<($0 + 6)]) }
        let path = try Oracle.temporaryFolder() + "/probabilities.json"
        try JSONSerialization.data(withJSONObject: rows).write(to: URL(fileURLWithPath: path))
        for splits in [1, 10] {
            let reference = try Oracle.json("inception_score_reference.py", [path, String(splits)])
            let score = try InceptionScore.compute(probabilities: probabilities, splits: splits)
            #expect(isClose(score.mean, try #require((reference["mean"] as? NSNumber)?.doubleValue), tolerance: 1e-12))
            #expect(isClose(score.standardDeviation, try #require((reference["std"] as? NSNumber)?.doubleValue),
                            tolerance: 1e-12))
        }
    }

    @Test("Inception Score rejects logits and too many splits")
    func inceptionScoreRejects() throws {
        let generator = try Generator(seed: 4)
        let logits = try Tensor.randn([20, 4], generator: generator)
        #expect(throws: GDAError.self) { try InceptionScore.compute(probabilities: logits) }
        #expect(throws: GDAError.self) { try InceptionScore.compute(probabilities: logits.softmax(dim: 1), splits: 21) }
        #expect(throws: GDAError.self) { try InceptionScore.compute(probabilities: logits.exp(), splits: 2) }
    }

    private func numpyStatistics(_ features: Tensor) throws -> (mean: [Double], unbiased: [Double], biased: [Double]) {
        let values = try features.scalars(as: Double.self)
        let width = features.shape[1]
        let rows = stride(from: 0, to: values.count, by: width).map { Array(values[$0..<($0 + width)]) }
        let path = try Oracle.temporaryFolder() + "/features.json"
        try JSONSerialization.data(withJSONObject: ["x1": rows, "x2": rows]).write(to: URL(fileURLWithPath: path))
        let reference = try Oracle.json("metrics_reference.py", [path, "stats"])
        let mean = try #require(reference["mean"] as? [Double])
        let unbiased = try #require(reference["cov_unbiased"] as? [[Double]])
        let biased = try #require(reference["cov_biased"] as? [[Double]])
        return (mean, unbiased.flatMap { $0 }, biased.flatMap { $0 })
    }

    private func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        return zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
    }
}
