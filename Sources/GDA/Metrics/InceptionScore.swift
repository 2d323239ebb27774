import Torch

/// Inception Score (Salimans et al., "Improved Techniques for Training GANs", 2016):
/// `exp(E_x[KL(p(y|x) || p(y))])`, computed on each of several contiguous splits of the
/// samples, where `p(y)` is the mean prediction within the split.
///
/// Split i holds rows `i·N/S ..< (i+1)·N/S` (integer division), as torch-fidelity splits;
/// unlike torch-fidelity, the rows are not shuffled first. One-hot predictions spread
/// evenly over C classes score C; identical predictions score 1.
public struct InceptionScore: Codable, Sendable, Equatable {
    /// The mean score over splits.
    public let mean: Double
    /// The population standard deviation (divisor N) of the scores over splits.
    public let standardDeviation: Double
    public let splits: Int

    /// Computes the Inception Score of `probabilities`, an (N, C) matrix of class probabilities
    /// (each row non-negative and summing to 1 within 1e-3), with N >= `splits`.
    public static func compute(probabilities: Tensor, splits: Int = 10) throws -> InceptionScore {
        let p = try MetricInput.featureMatrix(probabilities, name: "class probabilities")
        let n = p.shape[0]
        guard splits > 0, splits <= n else {
            throw GDAError("Inception Score needs 1 to \(n) splits for \(n) samples, found \(splits)")
        }
        try checkProbabilities(p)

        var scores: [Double] = []
        for split in 0..<splits {
            let part = try p.slice(dim: 0, start: split * n / splits, end: (split + 1) * n / splits)
            let marginal = try part.mean(dims: [0], keepDim: true)  // (1, C)
            // KL(p || q) per row, with 0 · log 0 = 0.
            let divergence = try (part.xlogy(part) - part.xlogy(marginal)).sum(dims: [1])
            scores.append(try MetricInput.scalar(divergence.mean().exp()))
        }

        let mean = scores.reduce(0, +) / Double(splits)
        let variance = scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(splits)
        return InceptionScore(mean: mean, standardDeviation: variance.squareRoot(), splits: splits)
    }

    /// Rejects negative entries and rows that do not sum to 1.
    private static func checkProbabilities(_ p: Tensor) throws {
        let smallest = try MetricInput.scalar(p.min())
        guard smallest >= 0 else {
            throw GDAError("class probabilities must be non-negative, found \(smallest); pass softmax outputs, not logits")
        }
        let rowSums = try p.sum(dims: [1])
        let worst = try MetricInput.scalar((rowSums - 1).abs().max())
        guard worst <= 1e-3 else {
            throw GDAError("class probabilities must sum to 1 in each row, found a row off by \(worst); "
                + "pass softmax outputs, not logits")
        }
    }
}
