import Torch

/// Fréchet Inception Distance (Heusel et al., "GANs Trained by a Two Time-Scale Update
/// Rule Converge to a Local Nash Equilibrium", 2017) between two Gaussians fitted to
/// feature sets:
///
///     FID = ||μ1 - μ2||² + tr(Σ1) + tr(Σ2) - 2 tr((Σ1^½ Σ2 Σ1^½)^½)
///
/// The last trace equals pytorch-fid's `tr(sqrtm(Σ1 Σ2))`, because `Σ1 Σ2` and
/// `Σ1^½ Σ2 Σ1^½` have the same eigenvalues. Both square roots come from symmetric
/// eigendecompositions in float64 (`linalg.eigh`), with eigenvalues that round-off made
/// negative set to 0, so the result is real even for singular covariances.
public enum FID {
    /// Computes the FID between the distributions summarised by `a` and `b`.
    ///
    /// - Parameters:
    ///   - divisor: the covariance divisor, N - 1 (pytorch-fid, clean-fid) or N (StyleGAN).
    ///   - warning: receives a message when a set has fewer samples than feature dimensions:
    ///     the covariance is then singular and the FID, though finite, is biased upwards.
    /// - Returns: a value >= 0; round-off that would make it negative is clipped to 0.
    /// - Throws: when a set has fewer than two samples or the dimensions differ.
    public static func compute(_ a: FeatureStatistics, _ b: FeatureStatistics,
                               divisor: CovarianceDivisor = .nMinusOne,
                               warning: ((String) -> Void)? = nil) throws -> Double {
        for (name, statistics) in [("first", a), ("second", b)] {
            guard statistics.count >= 2 else {
                throw GDAError("FID needs at least 2 samples in each set to estimate a covariance, "
                    + "found \(statistics.count) in the \(name) set")
            }
        }
        guard let dimension = a.dimension, a.dimension == b.dimension else {
            throw GDAError("FID needs feature sets of one dimension, found \(a.dimension ?? 0) and \(b.dimension ?? 0)")
        }
        for (name, statistics) in [("first", a), ("second", b)] where statistics.count < dimension {
            warning?("FID: the \(name) set has \(statistics.count) samples for \(dimension) feature "
                + "dimensions, so its covariance is singular and the FID is biased upwards; "
                + "use at least \(dimension) samples")
        }

        let device = try a.mean().device
        let meanA = try a.mean()
        let meanB = try b.mean().to(device)
        let covarianceA = try a.covariance(divisor)
        let covarianceB = try b.covariance(divisor).to(device)

        let meanTerm = try MetricInput.scalar((meanA - meanB).pow(2).sum())
        let traces = try MetricInput.scalar(covarianceA.trace() + covarianceB.trace())

        // tr((Σ1^½ Σ2 Σ1^½)^½) is the sum of the square roots of that matrix's eigenvalues.
        let rootA = try symmetricSquareRoot(covarianceA)
        let product = try rootA.matmul(covarianceB).matmul(rootA)
        let symmetric = try (product + product.transposed(0, 1)) * 0.5
        let eigenvalues = try symmetric.symmetricEigenvalues().clamp(min: 0)
        let rootTrace = try MetricInput.scalar(eigenvalues.sqrt().sum())

        return Swift.max(0, meanTerm + traces - 2 * rootTrace)
    }

    /// Computes the FID between the rows of two (N, D) feature matrices.
    public static func compute(real: Tensor, fake: Tensor, divisor: CovarianceDivisor = .nMinusOne,
                               warning: ((String) -> Void)? = nil) throws -> Double {
        try compute(FeatureStatistics(features: real), FeatureStatistics(features: fake),
                    divisor: divisor, warning: warning)
    }

    /// `V diag(√max(w, 0)) Vᵀ` for the eigendecomposition `S = V diag(w) Vᵀ`.
    static func symmetricSquareRoot(_ matrix: Tensor) throws -> Tensor {
        let (eigenvalues, eigenvectors) = try matrix.symmetricEigen()
        let roots = try eigenvalues.clamp(min: 0).sqrt()
        return try (eigenvectors * roots.unsqueeze(0)).matmul(eigenvectors.transposed(0, 1))
    }
}
