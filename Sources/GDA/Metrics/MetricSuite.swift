import Torch

/// A generator metric that `MetricSuite` computes.
public enum MetricName: String, Codable, CaseIterable, Sendable {
    /// Fréchet Inception Distance: key "fid".
    case fid
    /// Inception Score of the fake set: keys "is_mean", "is_std".
    case inceptionScore = "is"
    /// Kernel Inception Distance: keys "kid_mean", "kid_std".
    case kid
    /// Improved precision and recall: keys "precision", "recall".
    case precisionRecall = "pr"
    /// Density and coverage: keys "density", "coverage".
    case densityCoverage = "dc"

    /// Parses a comma-separated list such as "fid,is,kid,pr,dc".
    public static func parseList(_ text: String) throws -> Set<MetricName> {
        var names: Set<MetricName> = []
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let name = MetricName(rawValue: word) else {
                throw GDAError.config("unknown metric '\(word)'; expected any of "
                    + allCases.map(\.rawValue).joined(separator: ", "))
            }
            names.insert(name)
        }
        return names
    }

    /// Whether the metric needs every feature vector, not only their mean and covariance.
    var needsAllFeatures: Bool { self == .kid || self == .precisionRecall || self == .densityCoverage }
}

/// Metric values keyed by name ("fid", "is_mean", "is_std", "kid_mean", "kid_std",
/// "precision", "recall", "density", "coverage"), with any warnings raised on the way.
public struct MetricResults: Codable, Sendable, Equatable {
    public var values: [String: Double]
    public var warnings: [String]

    public init(values: [String: Double] = [:], warnings: [String] = []) {
        self.values = values
        self.warnings = warnings
    }

    public subscript(key: String) -> Double? { values[key] }
}

/// The features of one image set, gathered in one pass through a feature network.
public struct FeatureSet: @unchecked Sendable {
    /// Running mean and covariance, for FID.
    public internal(set) var statistics = FeatureStatistics()
    /// Every feature vector, (N, D), when a requested metric needs them.
    public internal(set) var features: Tensor?
    /// Class probabilities, (N, classes), when requested.
    public internal(set) var probabilities: Tensor?
    /// The number of images seen.
    public var count: Int { statistics.count }
}

/// Streams image batches through a feature network once and computes any subset of FID,
/// Inception Score, KID, precision and recall, and density and coverage.
///
/// Images are uint8 (N, C, H, W) batches with values 0...255 (see `FeatureNetwork`). The
/// real set is read only when a requested metric compares with it (all but the Inception
/// Score). To score many fake sets against one real set, `collect` the real set once and
/// call `compute` for each fake set.
public struct MetricSuite: Sendable {
    /// The covariance divisor for FID.
    public var covarianceDivisor: CovarianceDivisor = .nMinusOne
    /// Contiguous splits of the Inception Score.
    public var inceptionSplits = 10
    /// KID subsets and their size (capped at the set sizes).
    public var kidSubsets = 100
    public var kidSubsetSize = 1000
    /// Neighbour counts of precision and recall, and of density and coverage.
    public var precisionRecallK = 3
    public var densityCoverageK = 5
    /// Rows per block of the nearest-neighbour distance matrices.
    public var blockSize = 1024
    /// Seeds the KID subset draws.
    public var seed: UInt64 = 0

    public init() {}

    // MARK: - One call

    /// Computes `metrics` for the fake images against the real ones.
    ///
    /// - Parameter warning: receives warnings as they arise (they also come back in
    ///   `MetricResults.warnings`).
    public func evaluate(network: some FeatureNetwork, real: some Sequence<Tensor>,
                         fake: some Sequence<Tensor>, metrics: Set<MetricName>,
                         warning: ((String) -> Void)? = nil) throws -> MetricResults {
        let needsReal = !metrics.subtracting([.inceptionScore]).isEmpty
        let realSet = needsReal ? try collect(real, network: network, metrics: metrics, probabilities: false) : nil
        let fakeSet = try collect(fake, network: network, metrics: metrics,
                                  probabilities: metrics.contains(.inceptionScore))
        return try compute(real: realSet, fake: fakeSet, metrics: metrics, warning: warning)
    }

    // MARK: - Two steps

    /// Runs `images` through `network` batch by batch, keeping what `metrics` need: the
    /// running statistics always, every feature vector for KID, precision and recall and
    /// density and coverage, and class probabilities when `probabilities` is true.
    public func collect(_ images: some Sequence<Tensor>, network: some FeatureNetwork,
                        metrics: Set<MetricName>, probabilities: Bool) throws -> FeatureSet {
        let keepFeatures = metrics.contains { $0.needsAllFeatures }
        var set = FeatureSet()
        var features: [Tensor] = []
        var probabilityBatches: [Tensor] = []
        for (index, batch) in images.enumerated() {
            try batch.checkImageBatch(channels: [1, 3], name: "image batch \(index)")
            let outputs = try withNoGrad { try network.outputs(batch, probabilities: probabilities) }
            try set.statistics.update(outputs.features)
            if keepFeatures { features.append(try outputs.features.detach()) }
            if probabilities {
                guard let batchProbabilities = outputs.probabilities else {
                    throw GDAError("the feature network has no classifier head, so it cannot give the "
                        + "class probabilities the Inception Score needs")
                }
                probabilityBatches.append(try batchProbabilities.detach())
            }
        }
        guard set.count > 0 else { throw GDAError("the image sequence for the metrics is empty") }
        if keepFeatures { set.features = try Tensor.cat(features) }
        if probabilities { set.probabilities = try Tensor.cat(probabilityBatches) }
        return set
    }

    /// Computes `metrics` from collected feature sets. `real` may be nil when only the
    /// Inception Score is requested.
    public func compute(real: FeatureSet?, fake: FeatureSet, metrics: Set<MetricName>,
                        warning: ((String) -> Void)? = nil) throws -> MetricResults {
        var results = MetricResults()
        let report: (String) -> Void = { message in
            results.warnings.append(message)
            warning?(message)
        }
        let needsReal = !metrics.subtracting([.inceptionScore]).isEmpty
        guard !needsReal || real != nil else {
            throw GDAError("metrics \(metrics.map(\.rawValue).sorted().joined(separator: ", ")) need the real set")
        }

        if metrics.contains(.fid), let real {
            results.values["fid"] = try FID.compute(real.statistics, fake.statistics,
                                                    divisor: covarianceDivisor, warning: report)
        }
        if metrics.contains(.inceptionScore) {
            guard let probabilities = fake.probabilities else {
                throw GDAError("the fake set was collected without class probabilities; the Inception Score needs them")
            }
            let score = try InceptionScore.compute(probabilities: probabilities, splits: inceptionSplits)
            results.values["is_mean"] = score.mean
            results.values["is_std"] = score.standardDeviation
        }
        if metrics.contains(where: \.needsAllFeatures), let real {
            try computeFeatureMetrics(real: real, fake: fake, metrics: metrics, into: &results)
        }
        return results
    }

    private func computeFeatureMetrics(real: FeatureSet, fake: FeatureSet, metrics: Set<MetricName>,
                                       into results: inout MetricResults) throws {
        guard let realFeatures = real.features, let fakeFeatures = fake.features else {
            throw GDAError("KID, precision and recall, and density and coverage need every feature vector; "
                + "collect both sets with those metrics requested")
        }
        if metrics.contains(.kid) {
            let kid = try KID.compute(real: realFeatures, fake: fakeFeatures, subsets: kidSubsets,
                                      subsetSize: kidSubsetSize, generator: Generator(seed: seed))
            results.values["kid_mean"] = kid.mean
            results.values["kid_std"] = kid.standardDeviation
        }
        if metrics.contains(.precisionRecall) {
            let pr = try PrecisionRecall.compute(real: realFeatures, fake: fakeFeatures, k: precisionRecallK,
                                                 blockSize: blockSize)
            results.values["precision"] = pr.precision
            results.values["recall"] = pr.recall
        }
        if metrics.contains(.densityCoverage) {
            let dc = try DensityCoverage.compute(real: realFeatures, fake: fakeFeatures, k: densityCoverageK,
                                                 blockSize: blockSize)
            results.values["density"] = dc.density
            results.values["coverage"] = dc.coverage
        }
    }
}
