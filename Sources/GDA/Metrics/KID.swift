import Torch

/// Kernel Inception Distance (Bińkowski et al., "Demystifying MMD GANs", 2018): the
/// unbiased estimate of the squared maximum mean discrepancy between two feature sets with
/// the cubic polynomial kernel `k(x, y) = (x·y / d + 1)³`, averaged over random subsets.
///
/// For subsets X (fake) and Y (real) of size m each:
///
///     MMD² = [Σ_{i≠j} k(xi, xj) + Σ_{i≠j} k(yi, yj)] / (m(m - 1)) - 2 Σ_{i,j} k(xi, yj) / m²
///
/// The cross term keeps i = j, as clean-fid and torch-fidelity compute it.
public struct KID: Codable, Sendable, Equatable {
    /// The mean of MMD² over subsets.
    public let mean: Double
    /// The population standard deviation (divisor N) of MMD² over subsets, as torch-fidelity
    /// reports it.
    public let standardDeviation: Double
    public let subsets: Int
    /// The subset size used: the requested size, capped at both set sizes.
    public let subsetSize: Int

    /// KID between the rows of `real` and `fake`, (N, D) floating-point matrices on one
    /// device.
    ///
    /// - Parameters:
    ///   - subsets: how many pairs of subsets to average over (100 in clean-fid and
    ///     torch-fidelity).
    ///   - subsetSize: the size of each subset (1000 by default), capped at the set sizes.
    ///   - generator: draws each subset, without replacement, independently for both sets.
    public static func compute(real: Tensor, fake: Tensor, subsets: Int = 100,
                               subsetSize: Int = 1000, generator: Generator) throws -> KID {
        let real = try MetricInput.featureMatrix(real, name: "real features")
        let fake = try MetricInput.featureMatrix(fake, name: "fake features").to(real.device)
        guard real.shape[1] == fake.shape[1] else {
            throw GDAError("KID needs feature sets of one dimension, found \(real.shape[1]) and \(fake.shape[1])")
        }
        guard subsets > 0 else { throw GDAError("KID needs at least one subset, found \(subsets)") }
        let m = Swift.min(subsetSize, real.shape[0], fake.shape[0])
        guard m >= 2 else {
            throw GDAError("KID needs subsets of at least 2 samples, found a subset size of \(m) "
                + "(requested \(subsetSize), sets of \(real.shape[0]) and \(fake.shape[0]))")
        }

        var values: [Double] = []
        for _ in 0..<subsets {
            let x = try fake.rows(subsetIndices(count: fake.shape[0], size: m, generator: generator, device: fake.device))
            let y = try real.rows(subsetIndices(count: real.shape[0], size: m, generator: generator, device: real.device))
            values.append(try squaredMMD(x, y))
        }

        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return KID(mean: mean, standardDeviation: variance.squareRoot(), subsets: subsets, subsetSize: m)
    }

    /// Computes the unbiased MMD² estimate between equal-sized float64 matrices `x` and `y`.
    static func squaredMMD(_ x: Tensor, _ y: Tensor) throws -> Double {
        let m = Double(x.shape[0])
        let d = Double(x.shape[1])
        func kernel(_ a: Tensor, _ b: Tensor) throws -> Tensor {
            try (a.matmul(b.transposed(0, 1)) / d + 1).pow(3)
        }
        let kxx = try kernel(x, x)
        let kyy = try kernel(y, y)
        let kxy = try kernel(x, y)
        let within = try (kxx.sum() - kxx.trace() + kyy.sum() - kyy.trace()) / (m * (m - 1))
        return try MetricInput.scalar(within - kxy.sum() * (2 / (m * m)))
    }

    /// `size` distinct indices below `count`, drawn from `generator`.
    static func subsetIndices(count: Int, size: Int, generator: Generator, device: Device) throws -> Tensor {
        try Tensor.randperm(count, generator: generator, device: generator.device)
            .slice(dim: 0, start: 0, end: size)
            .to(device)
    }
}
