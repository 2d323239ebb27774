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
/// Sums are taken about a shift `c`, the mean of the first batch: `s = Σ (x - c)` and
/// `P = Σ (x - c)(x - c)ᵀ`, one matrix product per batch. The scatter about the mean is
/// then `P - s sᵀ / N`. Because `c` is close to the mean, that subtraction cancels few
/// digits, so features with a large mean and a small spread keep their precision. The
/// loss grows with `((mean - c) / spread)²`, which stays small unless the first batch is
/// far from typical (a stream sorted by class, say). The sums stay on the device of the
/// first batch.
public struct FeatureStatistics: @unchecked Sendable {
    /// The number of feature vectors seen.
    public private(set) var count = 0
    /// The feature dimension; nil until the first batch.
    public private(set) var dimension: Int?
    private var shift: Tensor?  // (D) float64, c
    private var shiftedSum: Tensor?  // (D) float64, Σ (x - c)
    private var shiftedProducts: Tensor?  // (D, D) float64, Σ (x - c)(x - c)ᵀ

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
        shift = try mean.to(.float64).clone()
        shiftedSum = try Tensor.zeros([mean.shape[0]], dtype: .float64, device: mean.device)
        shiftedProducts = try scatter.to(mean.device, dtype: .float64).clone()
    }

    // MARK: - Accumulating

    /// Adds the rows of `batch`, an (N, D) floating-point matrix with the same D as earlier
    /// batches.
    public mutating func update(_ batch: Tensor) throws {
        var features = try MetricInput.featureMatrix(batch, name: "feature batch")
        if let dimension, features.shape[1] != dimension {
            throw GDAError("feature batch has \(features.shape[1]) features per row, earlier batches had \(dimension)")
        }
        if let shift { features = try features.to(shift.device) }
        let shift = try self.shift ?? features.mean(dims: [0])  // (D)

        let centred = try features - shift.unsqueeze(0)  // (N, D)
        let batchSum = try centred.sum(dims: [0])  // (D)
        if let shiftedSum, shiftedProducts != nil {
            self.shiftedSum = try shiftedSum + batchSum
            // In place when no copy of these statistics shares the matrix: a fresh (D, D)
            // result per batch would cost an allocation and a full copy.
            if isKnownUniquelyReferenced(&shiftedProducts), let products = shiftedProducts {
                try products.addMatmul_(centred.transposed(0, 1), centred)
            } else if let products = shiftedProducts {
                shiftedProducts = try products.addingMatmul(centred.transposed(0, 1), centred)
            }
        } else {
            shiftedSum = batchSum
            shiftedProducts = try centred.transposed(0, 1).matmul(centred)  // (D, D)
            dimension = features.shape[1]
        }
        self.shift = shift
        count += features.shape[0]
    }

    // MARK: - Results

    /// Returns the mean feature vector, (D) float64.
    public func mean() throws -> Tensor {
        guard let shift, let shiftedSum else { throw GDAError("feature statistics have no samples yet") }
        return try shift + shiftedSum / Double(count)
    }

    /// Returns the sum of outer products of deviations from the mean, (D, D) float64.
    public func scatterMatrix() throws -> Tensor {
        guard let shiftedSum, let shiftedProducts else { throw GDAError("feature statistics have no samples yet") }
        let outer = try shiftedSum.unsqueeze(1).matmul(shiftedSum.unsqueeze(0))  // (D, D)
        return try shiftedProducts - outer / Double(count)
    }

    /// Returns the covariance matrix, (D, D) float64: the scatter divided by N - 1 (default)
    /// or N. N - 1 needs at least two samples.
    public func covariance(_ divisor: CovarianceDivisor = .nMinusOne) throws -> Tensor {
        let denominator = divisor == .nMinusOne ? count - 1 : count
        guard count > 0 else { throw GDAError("feature statistics have no samples yet") }
        guard denominator > 0 else {
            throw GDAError("a covariance with divisor N - 1 needs at least 2 samples, found \(count)")
        }
        return try scatterMatrix() / Double(denominator)
    }
}
