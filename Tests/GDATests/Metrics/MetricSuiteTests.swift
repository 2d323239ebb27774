import Foundation
import Testing
import TestSupport
import Torch

@testable import GDA

/// A feature network in Swift: per-channel means and standard deviations of the pixels as
/// features, and a softmax over them as class probabilities. It uses the protocol's default
/// `outputs`.
private struct PixelStatisticsNetwork: FeatureNetwork {
    func features(_ images: Tensor) throws -> Tensor {
        let pixels = try images.to(.float32).flatten(from: 2) / 255  // (N, C, H·W)
        let mean = try pixels.mean(dims: [2])
        let spread = try (pixels - mean.unsqueeze(2)).pow(2).mean(dims: [2]).sqrt()
        return try Tensor.cat([mean, spread], dim: 1)  // (N, 2C)
    }

    func probabilities(_ images: Tensor) throws -> Tensor? {
        try (features(images) * 4).softmax(dim: 1)
    }
}

@Suite("Metric suite")
struct MetricSuiteTests {
    static func batches(count: Int, size: Int, channels: Int, seed: UInt64, shift: Int = 0) throws -> [Tensor] {
        let generator = try Generator(seed: seed)
        return try (0..<count).map { _ in
            let images = try Tensor.randint(0, 256 - shift, shape: [size, channels, 12, 12], generator: generator)
            return try (images + Double(shift)).to(.uint8)
        }
    }

    @Test("one pass equals the metrics on gathered features")
    func matchesDirectComputation() throws {
        let network = try ScriptFeatureNetwork(path: try MetricFixtures.path("features_and_logits.pt"))
        let real = try Self.batches(count: 4, size: 10, channels: 3, seed: 1)
        let fake = try Self.batches(count: 3, size: 12, channels: 1, seed: 2, shift: 40)
        var suite = MetricSuite()
        suite.kidSubsets = 5
        suite.kidSubsetSize = 20
        suite.inceptionSplits = 4
        suite.blockSize = 16
        let results = try suite.evaluate(network: network, real: real, fake: fake,
                                         metrics: Set(MetricName.allCases))

        let realFeatures = try Tensor.cat(real.map { try network.features($0) })
        let fakeFeatures = try Tensor.cat(fake.map { try network.features($0) })
        let fakeProbabilities = try Tensor.cat(fake.map { try #require(try network.probabilities($0)) })
        let fid = try FID.compute(real: realFeatures, fake: fakeFeatures)
        let score = try InceptionScore.compute(probabilities: fakeProbabilities, splits: 4)
        let kid = try KID.compute(real: realFeatures, fake: fakeFeatures, subsets: 5, subsetSize: 20,
                                  generator: Generator(seed: 0))
        let pr = try PrecisionRecall.compute(real: realFeatures, fake: fakeFeatures)
        let dc = try DensityCoverage.compute(real: realFeatures, fake: fakeFeatures)

        #expect(Set(results.values.keys) == ["fid", "is_mean", "is_std", "kid_mean", "kid_std",
                                             "precision", "recall", "density", "coverage"])
        #expect(isClose(try #require(results["fid"]), fid, tolerance: 1e-9))
        #expect(isClose(try #require(results["is_mean"]), score.mean, tolerance: 1e-12))
        #expect(isClose(try #require(results["is_std"]), score.standardDeviation, tolerance: 1e-12))
        #expect(isClose(try #require(results["kid_mean"]), kid.mean, tolerance: 1e-12))
        #expect(isClose(try #require(results["kid_std"]), kid.standardDeviation, tolerance: 1e-12))
        #expect(results["precision"] == pr.precision)
        #expect(results["recall"] == pr.recall)
        #expect(results["density"] == dc.density)
        #expect(results["coverage"] == dc.coverage)
        // 36 fake samples of 8 features and 40 real ones: no warning.
        #expect(results.warnings.isEmpty)

        let decoded = try JSONDecoder().decode(MetricResults.self, from: JSONEncoder().encode(results))
        #expect(decoded == results)
    }

    @Test("Inception Score alone never reads the real set")
    func inceptionScoreOnly() throws {
        let fake = try Self.batches(count: 2, size: 10, channels: 3, seed: 3)
        let badReal = [try Tensor.zeros([2, 3, 12, 12])]  // float32: rejected if read
        var suite = MetricSuite()
        suite.inceptionSplits = 2
        let results = try suite.evaluate(network: PixelStatisticsNetwork(), real: badReal, fake: fake,
                                         metrics: [.inceptionScore])
        #expect(Set(results.values.keys) == ["is_mean", "is_std"])
        #expect(throws: GDAError.self) {
            try suite.evaluate(network: PixelStatisticsNetwork(), real: badReal, fake: fake, metrics: [.fid])
        }
    }

    @Test("suite warns and rejects what it cannot compute")
    func warningsAndErrors() throws {
        let network = try ScriptFeatureNetwork(path: try MetricFixtures.path("features_only.pt"))
        let real = try Self.batches(count: 1, size: 6, channels: 3, seed: 4)
        let fake = try Self.batches(count: 1, size: 6, channels: 3, seed: 5)
        var seen: [String] = []
        let results = try MetricSuite().evaluate(network: network, real: real, fake: fake, metrics: [.fid]) {
            seen.append($0)
        }
        // 6 samples for 8 dimensions in each set.
        #expect(results.warnings.count == 2)
        #expect(seen == results.warnings)
        #expect(throws: GDAError.self) {
            try MetricSuite().evaluate(network: network, real: real, fake: fake, metrics: [.inceptionScore])
        }
        #expect(throws: GDAError.self) {
            try MetricSuite().evaluate(network: network, real: [Tensor](), fake: fake, metrics: [.fid])
        }
    }

    @Test("metric names parse from a list")
    func parseNames() throws {
        #expect(try MetricName.parseList("fid, is,kid,pr,dc") == Set(MetricName.allCases))
        #expect(throws: GDAError.self) { try MetricName.parseList("fid,lpips") }
    }
}
