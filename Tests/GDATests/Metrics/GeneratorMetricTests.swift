import Foundation
import Testing
import TestSupport
import Torch

@testable import GDA

/// FID, KID, precision and recall, density and coverage on the 50×4 fixture features, against
/// the values the metric references give and against numpy/scipy/scikit-learn.
@Suite("Generator metrics")
struct GeneratorMetricTests {
    /// Values from the reference libraries' definitions on the fixture (x1 real, x2 fake).
    static let published: [String: Double] = [
        "fid_unbiased": 2.080655, "fid_biased": 2.049727, "kid_whole": 2.552189,
        "precision_k3": 0.66, "recall_k3": 1.0, "density_k3": 0.586667, "coverage_k3": 0.78,
        "density_k5": 0.548, "coverage_k5": 0.92,
    ]

    static func oracle() throws -> [String: Double] {
        let object = try Oracle.json("metrics_reference.py", [try MetricFixtures.path("features.json")])
        return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    @Test("FID matches scipy and the published values")
    func fid() throws {
        let (x1, x2) = try MetricFixtures.features()
        let reference = try Self.oracle()
        let unbiased = try FID.compute(real: x1, fake: x2)
        let biased = try FID.compute(real: x1, fake: x2, divisor: .n)
        #expect(isClose(unbiased, try #require(reference["fid_unbiased"]), tolerance: 1e-9))
        #expect(isClose(biased, try #require(reference["fid_biased"]), tolerance: 1e-9))
        #expect(Swift.abs(unbiased - Self.published["fid_unbiased"]!) < 5e-7)
        #expect(Swift.abs(biased - Self.published["fid_biased"]!) < 5e-7)
    }

    @Test("FID of a set with itself is zero")
    func fidSelf() throws {
        let (x1, x2) = try MetricFixtures.features()
        for x in [x1, x2] {
            let value = try FID.compute(real: x, fake: x)
            #expect(value >= 0)
            #expect(value <= 1e-9, "FID(X, X) = \(value)")
        }
        // Round-off grows with the covariance: here tr(S) is about 4e6.
        let scaled = try x1 * 1000 + 5
        let trace = try FeatureStatistics(features: scaled).covariance().trace().item(as: Double.self)
        let value = try FID.compute(real: scaled, fake: scaled)
        #expect(value >= 0)
        #expect(value <= 1e-14 * trace, "FID(X, X) = \(value) with tr(S) = \(trace)")
    }

    @Test("FID matches scipy on correlated features")
    func fidCorrelated() throws {
        // 300 samples of 16 correlated features, to exercise full covariance matrices.
        let generator = try Generator(seed: 7)
        let mixing = try Tensor.randn([16, 16], generator: generator, dtype: .float64)
        let real = try Tensor.randn([300, 16], generator: generator, dtype: .float64).matmul(mixing)
        let fake = try (Tensor.randn([300, 16], generator: generator, dtype: .float64) * 1.2 + 0.3).matmul(mixing)
        let path = try writeFeatures(real, fake)
        let reference = try Oracle.json("metrics_reference.py", [path, "fid"])
        let expected = try #require((reference["fid_unbiased"] as? NSNumber)?.doubleValue)
        #expect(isClose(try FID.compute(real: real, fake: fake), expected, tolerance: 1e-9))
    }

    @Test("FID from batches of 10 and 100 agree")
    func fidBatches() throws {
        let generator = try Generator(seed: 3)
        let real = try Tensor.randn([400, 6], generator: generator, dtype: .float64)
        let fake = try Tensor.randn([400, 6], generator: generator, dtype: .float64) * 0.8 + 0.2
        var values: [Double] = []
        for batchSize in [10, 100] {
            var a = FeatureStatistics()
            var b = FeatureStatistics()
            for start in stride(from: 0, to: 400, by: batchSize) {
                try a.update(real.slice(dim: 0, start: start, end: start + batchSize))
                try b.update(fake.slice(dim: 0, start: start, end: start + batchSize).to(.float32))
            }
            #expect(a.count == 400)
            values.append(try FID.compute(a, b))
        }
        #expect(isClose(values[0], values[1], tolerance: 1e-6), "\(values)")
    }

    @Test("FID warns below the dimension and rejects one sample")
    func fidEdges() throws {
        let generator = try Generator(seed: 5)
        let few = try Tensor.randn([5, 8], generator: generator, dtype: .float64)
        let more = try Tensor.randn([20, 8], generator: generator, dtype: .float64)
        var warnings: [String] = []
        let value = try FID.compute(real: few, fake: more) { warnings.append($0) }
        #expect(value.isFinite)
        #expect(value > 0)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("5 samples for 8 feature dimensions") == true)

        let one = try few.slice(dim: 0, start: 0, end: 1)
        #expect(throws: GDAError.self) { try FID.compute(real: one, fake: more) }
        #expect(throws: GDAError.self) { try FID.compute(real: few, fake: more.slice(dim: 1, start: 0, end: 4)) }
    }

    @Test("KID matches the reference on one whole subset")
    func kid() throws {
        let (x1, x2) = try MetricFixtures.features()
        let reference = try Self.oracle()
        let result = try KID.compute(real: x1, fake: x2, subsets: 1, generator: Generator(seed: 0))
        #expect(result.subsetSize == 50)
        #expect(result.standardDeviation == 0)
        #expect(isClose(result.mean, try #require(reference["kid_whole"]), tolerance: 1e-9))
        #expect(Swift.abs(result.mean - Self.published["kid_whole"]!) < 5e-7)
    }

    @Test("KID subsets are seeded and spread")
    func kidSubsets() throws {
        let (x1, x2) = try MetricFixtures.features()
        let first = try KID.compute(real: x1, fake: x2, subsets: 20, subsetSize: 20, generator: Generator(seed: 1))
        let again = try KID.compute(real: x1, fake: x2, subsets: 20, subsetSize: 20, generator: Generator(seed: 1))
        let other = try KID.compute(real: x1, fake: x2, subsets: 20, subsetSize: 20, generator: Generator(seed: 2))
        #expect(first == again)
        #expect(first.mean != other.mean)
        #expect(first.standardDeviation > 0)
        #expect(first.subsetSize == 20)
        // Subsets of the whole sets average near the whole-set value.
        #expect(Swift.abs(first.mean - Self.published["kid_whole"]!) < 1.5)
    }

    @Test("precision, recall, density, coverage match prdc")
    func nearestNeighbours() throws {
        let (x1, x2) = try MetricFixtures.features()
        let reference = try Self.oracle()
        for blockSize in [7, 1024] {
            for k in [3, 5] {
                let pr = try PrecisionRecall.compute(real: x1, fake: x2, k: k, blockSize: blockSize)
                let dc = try DensityCoverage.compute(real: x1, fake: x2, k: k, blockSize: blockSize)
                #expect(pr.precision == reference["precision_k\(k)"], "precision, k = \(k)")
                #expect(pr.recall == reference["recall_k\(k)"], "recall, k = \(k)")
                #expect(isClose(dc.density, try #require(reference["density_k\(k)"]), tolerance: 1e-12), "density, k = \(k)")
                #expect(dc.coverage == reference["coverage_k\(k)"], "coverage, k = \(k)")
            }
        }
        let pr = try PrecisionRecall.compute(real: x1, fake: x2, k: 3)
        let dc3 = try DensityCoverage.compute(real: x1, fake: x2, k: 3)
        let dc5 = try DensityCoverage.compute(real: x1, fake: x2)
        #expect(pr.precision == Self.published["precision_k3"])
        #expect(pr.recall == Self.published["recall_k3"])
        #expect(Swift.abs(dc3.density - Self.published["density_k3"]!) < 5e-7)
        #expect(dc3.coverage == Self.published["coverage_k3"])
        #expect(Swift.abs(dc5.density - Self.published["density_k5"]!) < 5e-7)
        #expect(dc5.coverage == Self.published["coverage_k5"])
    }

    @Test("ties: precision uses <=, density uses <")
    func nearestNeighbourTies() throws {
        // Real points 0, 1, ..., 9 on a line: every k = 1 radius is exactly 1. Two fake points
        // lie exactly on a ball's edge (-1 and 10), one inside two balls (4.5).
        let real = try Tensor((0..<10).flatMap { [Double($0), 0] }, shape: [10, 2])
        let fake = try Tensor([10, 0, -1, 0, 4.5, 0] as [Double], shape: [3, 2])
        let pr = try PrecisionRecall.compute(real: real, fake: fake, k: 1)
        let dc = try DensityCoverage.compute(real: real, fake: fake, k: 1)
        #expect(pr.precision == 1)
        #expect(pr.recall == 1)
        #expect(isClose(dc.density, 2.0 / 3.0, tolerance: 1e-15))
        #expect(dc.coverage == 0.2)
    }

    @Test("nearest-neighbour metrics reject tiny sets")
    func nearestNeighbourEdges() throws {
        let (x1, x2) = try MetricFixtures.features()
        let three = try x2.slice(dim: 0, start: 0, end: 3)
        #expect(throws: GDAError.self) { try PrecisionRecall.compute(real: x1, fake: three, k: 3) }
        #expect(throws: GDAError.self) { try DensityCoverage.compute(real: x1, fake: x2, k: 0) }
        #expect(throws: GDAError.self) { try DensityCoverage.compute(real: x1, fake: x2.slice(dim: 1, start: 0, end: 2)) }
    }

    /// Writes two feature sets in the oracle's JSON layout; returns the path.
    private func writeFeatures(_ x1: Tensor, _ x2: Tensor) throws -> String {
        func rows(_ tensor: Tensor) throws -> [[Double]] {
            let values = try tensor.scalars(as: Double.self)
            let width = tensor.shape[1]
            return stride(from: 0, to: values.count, by: width).map { Array(values[$0..<($0 + width)]) }
        }
        let path = try Oracle.temporaryFolder() + "/features.json"
        let data = try JSONSerialization.data(withJSONObject: ["x1": rows(x1), "x2": rows(x2)])
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }
}
