import Torch

/// Improved precision and recall (Kynkäänniemi et al., "Improved Precision and Recall
/// Metric for Assessing Generative Models", 2019).
///
/// Each set's manifold is the union of balls around its samples, each ball's radius being
/// the distance to that sample's k-th nearest neighbour in its own set (itself excluded).
/// Precision is the share of fake samples within some real ball (distance <= radius);
/// recall is the share of real samples within some fake ball.
public struct PrecisionRecall: Codable, Sendable, Equatable {
    public let precision: Double
    public let recall: Double
    public let k: Int

    /// Precision and recall of `fake` against `real`, (N, D) floating-point matrices.
    /// Distances are computed in float64, `blockSize` rows at a time, so memory grows with
    /// `blockSize` × N rather than N².
    public static func compute(real: Tensor, fake: Tensor, k: Int = 3,
                               blockSize: Int = 1024) throws -> PrecisionRecall {
        let sets = try NearestNeighbours.prepare(real: real, fake: fake, k: k, blockSize: blockSize)
        let realRadii = try NearestNeighbours.kthNeighbourDistances(sets.real, k: k, blockSize: blockSize)
        let fakeRadii = try NearestNeighbours.kthNeighbourDistances(sets.fake, k: k, blockSize: blockSize)

        var fakeInside = 0
        try NearestNeighbours.forEachBlock(rows: sets.fake, columns: sets.real, blockSize: blockSize) { _, distances in
            fakeInside += try NearestNeighbours.count(distances.le(realRadii.unsqueeze(0)).any(dim: 1))
        }
        var realInside = 0
        try NearestNeighbours.forEachBlock(rows: sets.real, columns: sets.fake, blockSize: blockSize) { _, distances in
            realInside += try NearestNeighbours.count(distances.le(fakeRadii.unsqueeze(0)).any(dim: 1))
        }
        return PrecisionRecall(precision: Double(fakeInside) / Double(sets.fake.shape[0]),
                               recall: Double(realInside) / Double(sets.real.shape[0]), k: k)
    }
}

/// Density and coverage (Naeem et al., "Reliable Fidelity and Diversity Metrics for
/// Generative Models", 2020), with balls around real samples only.
///
/// With `r_i` the distance from real sample i to its k-th nearest real neighbour:
/// density = (1 / kM) Σ_j Σ_i [d(fake_j, real_i) < r_i] over M fake samples, and coverage
/// is the share of real samples whose nearest fake sample is closer than `r_i`. Both use
/// strict inequalities, as the authors' `prdc` package does.
public struct DensityCoverage: Codable, Sendable, Equatable {
    public let density: Double
    public let coverage: Double
    public let k: Int

    /// Density and coverage of `fake` against `real`, (N, D) floating-point matrices,
    /// computed in float64 `blockSize` rows at a time.
    public static func compute(real: Tensor, fake: Tensor, k: Int = 5,
                               blockSize: Int = 1024) throws -> DensityCoverage {
        let sets = try NearestNeighbours.prepare(real: real, fake: fake, k: k, blockSize: blockSize)
        let realRadii = try NearestNeighbours.kthNeighbourDistances(sets.real, k: k, blockSize: blockSize)

        var ballCount = 0
        try NearestNeighbours.forEachBlock(rows: sets.fake, columns: sets.real, blockSize: blockSize) { _, distances in
            ballCount += try NearestNeighbours.count(distances.lt(realRadii.unsqueeze(0)))
        }
        var covered = 0
        try NearestNeighbours.forEachBlock(rows: sets.real, columns: sets.fake, blockSize: blockSize) { start, distances in
            let nearest = try distances.min(dim: 1).values
            let radii = try realRadii.slice(dim: 0, start: start, end: start + distances.shape[0])
            covered += try NearestNeighbours.count(nearest.lt(radii))
        }
        let fakeCount = Double(sets.fake.shape[0])
        return DensityCoverage(density: Double(ballCount) / (Double(k) * fakeCount),
                               coverage: Double(covered) / Double(sets.real.shape[0]), k: k)
    }
}

// MARK: - Shared machinery

/// Blocked squared-distance computations. Radii and distances stay squared throughout:
/// squaring keeps every comparison's outcome and saves the square roots.
enum NearestNeighbours {
    /// Checked float64 copies of both sets, on the real set's device.
    static func prepare(real: Tensor, fake: Tensor, k: Int, blockSize: Int) throws -> (real: Tensor, fake: Tensor) {
        let real = try MetricInput.featureMatrix(real, name: "real features")
        let fake = try MetricInput.featureMatrix(fake, name: "fake features").to(real.device)
        guard real.shape[1] == fake.shape[1] else {
            throw GDAError("nearest-neighbour metrics need feature sets of one dimension, "
                + "found \(real.shape[1]) and \(fake.shape[1])")
        }
        guard k >= 1 else { throw GDAError("the neighbour count k must be at least 1, found \(k)") }
        guard blockSize >= 1 else { throw GDAError("the block size must be at least 1, found \(blockSize)") }
        let smallest = Swift.min(real.shape[0], fake.shape[0])
        guard smallest > k else {
            throw GDAError("nearest-neighbour metrics with k = \(k) need more than \(k) samples per set, "
                + "found \(real.shape[0]) real and \(fake.shape[0]) fake")
        }
        return (real, fake)
    }

    /// Returns the squared distance from each row of `points` to its k-th nearest other row, (N).
    static func kthNeighbourDistances(_ points: Tensor, k: Int, blockSize: Int) throws -> Tensor {
        var radii: [Tensor] = []
        try forEachBlock(rows: points, columns: points, blockSize: blockSize) { _, distances in
            // The (k + 1)-th smallest, because each row's smallest is its distance to itself.
            radii.append(try distances.kthValue(k + 1, dim: 1).values)
        }
        return try Tensor.cat(radii)
    }

    /// Calls `body(start, distances)` for each block of at most `blockSize` rows, where
    /// `distances` (block, columns) holds squared Euclidean distances computed as
    /// `|a|² + |b|² - 2 a·b`, clipped at 0.
    static func forEachBlock(rows: Tensor, columns: Tensor, blockSize: Int,
                             _ body: (Int, Tensor) throws -> Void) throws {
        let columnNorms = try columns.pow(2).sum(dims: [1]).unsqueeze(0)  // (1, M)
        let columnsT = try columns.transposed(0, 1)
        var start = 0
        while start < rows.shape[0] {
            let end = Swift.min(start + blockSize, rows.shape[0])
            let block = try rows.slice(dim: 0, start: start, end: end)  // (B, D)
            let rowNorms = try block.pow(2).sum(dims: [1], keepDim: true)  // (B, 1)
            let distances = try (rowNorms + columnNorms - block.matmul(columnsT) * 2).clamp(min: 0)
            try body(start, distances)
            start = end
        }
    }

    /// Counts the true elements of a bool tensor.
    static func count(_ mask: Tensor) throws -> Int {
        Int(try mask.sum(dims: Array(0..<mask.rank), dtype: .int64).to(.cpu).item(as: Int64.self))
    }
}
