import Foundation
import Torch

/// Times FID on large feature sets: the streamed statistics and the distance itself,
/// separately, so the figures compare with scipy's `sqrtm`-based FID
/// (scripts/bench/fid_scipy.py times the same steps on the same features).
public enum FIDBenchmark {
    /// Timings of repeated runs, in seconds.
    public struct Report: Codable, Sendable {
        public let samples: Int
        public let dimension: Int
        public let batchSize: Int
        public let threads: Int
        /// Mean and covariance of both sets, from batches.
        public let statisticsSeconds: [Double]
        /// The distance from the two sets' statistics.
        public let distanceSeconds: [Double]
        public let fid: Double

        public var statisticsMedian: Double { FIDBenchmark.median(statisticsSeconds) }
        public var distanceMedian: Double { FIDBenchmark.median(distanceSeconds) }
    }

    /// Loads `real` and `fake` (N, D) float32 features from a safetensors file.
    public static func loadFeatures(_ path: String) throws -> (real: Tensor, fake: Tensor) {
        let tensors = try SafeTensors.load(path).tensors
        guard let real = tensors["real"], let fake = tensors["fake"] else {
            throw GDAError.config("\(path) must hold tensors named real and fake, found "
                + tensors.keys.sorted().joined(separator: ", "))
        }
        return (real, fake)
    }

    /// Runs FID `repeats` times on the rows of `real` and `fake`, feeding the statistics in
    /// batches of `batchSize` rows.
    public static func run(real: Tensor, fake: Tensor, repeats: Int = 5, batchSize: Int = 1000) throws -> Report {
        guard repeats > 0, batchSize > 0 else {
            throw GDAError.config("repeats and batch size must be positive, found \(repeats) and \(batchSize)")
        }
        var statisticsSeconds: [Double] = []
        var distanceSeconds: [Double] = []
        var fid = Double.nan
        for _ in 0..<repeats {
            let start = DispatchTime.now()
            let a = try statistics(real, batchSize: batchSize)
            let b = try statistics(fake, batchSize: batchSize)
            let middle = DispatchTime.now()
            fid = try FID.compute(a, b)
            let end = DispatchTime.now()
            statisticsSeconds.append(seconds(from: start, to: middle))
            distanceSeconds.append(seconds(from: middle, to: end))
        }
        return Report(samples: real.shape[0], dimension: real.shape[1], batchSize: batchSize,
                      threads: Torch.threads, statisticsSeconds: statisticsSeconds,
                      distanceSeconds: distanceSeconds, fid: fid)
    }

    private static func statistics(_ features: Tensor, batchSize: Int) throws -> FeatureStatistics {
        var statistics = FeatureStatistics()
        for start in stride(from: 0, to: features.shape[0], by: batchSize) {
            try statistics.update(features.slice(dim: 0, start: start,
                                                  end: Swift.min(start + batchSize, features.shape[0])))
        }
        return statistics
    }

    private static func seconds(from start: DispatchTime, to end: DispatchTime) -> Double {
        Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
