import Torch

/// The divisor of a sample covariance.
public enum CovarianceDivisor: String, Codable, Sendable {
    /// N - 1, the unbiased estimate: NumPy's `np.cov`, pytorch-fid, clean-fid.
    case nMinusOne
    /// N, the maximum-likelihood estimate: StyleGAN's metric code.
    case n
}

/// Running mean and covariance of feature vectors, accumulated in float64 from batches so
/// that the features themselves need not be kept.
///
/// Batches are merged with Chan, Golub and LeVeque's pairwise update ("Updating Formulae
/// and a Pairwise Algorithm for Computing Sample Variances", 1979): each batch contributes
/// its own mean and its scatter about that mean, `(X - x̄)ᵀ(X - x̄)`, and the running
/// scatter gains `δδᵀ · n·m / (n + m)` where `δ` is the difference of the two means. No
/// step subtracts large sums of squares, so features with a large mean and a small spread
/// keep their precision. The sums stay on the device of the first batch.
public struct FeatureStatistics: @unchecked Sendable {
    /// The number of feature vectors seen.
    public private(set) var count = 0
    /// The feature dimension; nil until the first batch.
    public private(set) var dimension: Int?
    private var runningMean: Tensor?  // (D) float64
    private var scatter: Tensor?  // (D, D) float64, Σ (x - mean)(x - mean)ᵀ

    /// Empty statistics, ready for `update`.
    public init() {}

    /// Computes the statistics of the rows of `features`, an (N, D) floating-point matrix.
    public init(features: Tensor) throws {
        try update(features)
    }

    /// Statistics from a stored count, mean (D) and scatter matrix (D, D), the sum of outer
    /// products of deviations from the mean (covariance × (N - 1)).
    public init(count: Int, mean: Tensor, scatter: Tensor) throws {
        guard count > 0 else { throw GDAError("feature statistics need a positive count, found \(count)") }
        guard mean.rank == 1, scatter.shape == [mean.shape[0], mean.shape[0]] else {
            throw GDAError("feature statistics need a mean of shape (D) and a scatter of shape (D, D), "
                + "found \(mean.shape) and \(scatter.shape)")
        }
        self.count = count
        dimension = mean.shape[0]
        runningMean = try mean.to(.float64)
        self.scatter = try scatter.to(.float64)
    }

    // MARK: - Accumulating

    /// Adds the rows of `batch`, an (N, D) floating-point matrix with the same D as earlier
    /// batches.
    public mutating func update(_ batch: Tensor) throws {
        var features = try MetricInput.featureMatrix(batch, name: "feature batch")
        if let runningMean { features = try features.to(runningMean.device) }
        let batchCount = features.shape[0]
        if let dimension, features.shape[1] != dimension {
            throw GDAError("feature batch has \(features.shape[1]) features per row, earlier batches had \(dimension)")
        }

        let batchMean = try features.mean(dims: [0])  // (D)
        let centred = try features - batchMean.unsqueeze(0)  // (N, D)
        let batchScatter = try centred.transposed(0, 1).matmul(centred)  // (D, D)

        guard let runningMean, let scatter else {
            count = batchCount
            dimension = features.shape[1]
            self.runningMean = batchMean
            self.scatter = batchScatter
            return
        }
        let total = count + batchCount
        let delta = try batchMean - runningMean  // (D)
        let weight = Double(count) * Double(batchCount) / Double(total)
        let correction = try delta.unsqueeze(1).matmul(delta.unsqueeze(0)) * weight  // (D, D)
        self.runningMean = try runningMean + delta * (Double(batchCount) / Double(total))
        self.scatter = try scatter + batchScatter + correction
        count = total
    }

    // MARK: - Results

    /// Returns the mean feature vector, (D) float64.
    public func mean() throws -> Tensor {
        guard let runningMean else { throw GDAError("feature statistics have no samples yet") }
        return runningMean
    }

    /// Returns the sum of outer products of deviations from the mean, (D, D) float64.
    public func scatterMatrix() throws -> Tensor {
        guard let scatter else { throw GDAError("feature statistics have no samples yet") }
        return scatter
    }

    /// Returns the covariance matrix, (D, D) float64: the scatter divided by N - 1 (default)
    /// or N. N - 1 needs at least two samples.
    public func covariance(_ divisor: CovarianceDivisor = .nMinusOne) throws -> Tensor {
        let scatter = try scatterMatrix()
        let denominator = divisor == .nMinusOne ? count - 1 : count
        guard denominator > 0 else {
            throw GDAError("a covariance with divisor N - 1 needs at least 2 samples, found \(count)")
        }
        return try scatter / Double(denominator)
    }
}
