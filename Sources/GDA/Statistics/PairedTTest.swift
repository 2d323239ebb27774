import Foundation

/// Student's paired t-test of two matched samples, as `scipy.stats.ttest_rel` computes it:
/// the differences `d = a - b` have mean `d̄` and sample standard deviation `s`, the
/// statistic is `t = d̄ / (s / √n)` with `n - 1` degrees of freedom, and the p-value is
/// two-sided.
///
/// Undefined cases follow SciPy, with nil in place of NaN: with one pair, the statistic,
/// p-value and interval are nil. When every difference is the same, `s` is 0: the
/// statistic is ±infinity with p-value 0 if that difference is nonzero, and nil with a nil
/// p-value if it is zero. The interval is then the point `[d̄, d̄]`. An infinite statistic
/// needs `JSONEncoder.nonConformingFloatEncodingStrategy` to be encoded as JSON.
public struct PairedTTest: Codable, Sendable, Equatable {
    public let count: Int
    public let degreesOfFreedom: Int
    /// The mean of `a - b`.
    public let meanDifference: Double
    /// The t statistic; nil when undefined.
    public let statistic: Double?
    /// The two-sided p-value; nil when undefined.
    public let pValue: Double?
    /// The confidence interval of the mean difference; nil with one pair.
    public let interval: ConfidenceInterval?

    /// Tests whether `a` and `b`, paired by index, differ in mean. Both must have the same,
    /// nonzero length and finite values; `level` sets the interval's confidence level.
    public init(_ a: [Double], _ b: [Double], level: Double = 0.95) throws {
        guard a.count == b.count else {
            throw GDAError("a paired t-test needs samples of equal length, found \(a.count) and \(b.count)")
        }
        guard !a.isEmpty else { throw GDAError("a paired t-test needs at least one pair, found none") }
        try Summary.checkFinite(a, name: "a")
        try Summary.checkFinite(b, name: "b")
        guard level > 0, level < 1 else {
            throw GDAError("the confidence level must be in (0, 1), found \(level)")
        }

        let differences = zip(a, b).map { $0 - $1 }
        let n = differences.count
        count = n
        degreesOfFreedom = n - 1
        meanDifference = Summary.mean(differences)
        guard n > 1 else {
            statistic = nil
            pValue = nil
            interval = nil
            return
        }

        let deviation = Summary.sampleStandardDeviation(differences, mean: meanDifference)
        let standardError = deviation / Double(n).squareRoot()
        interval = try Summary.tInterval(mean: meanDifference, standardError: standardError,
                                         degreesOfFreedom: n - 1, level: level)
        if standardError == 0 {
            statistic = meanDifference == 0 ? nil : (meanDifference > 0 ? .infinity : -.infinity)
            pValue = meanDifference == 0 ? nil : 0
            return
        }
        let t = meanDifference / standardError
        statistic = t
        pValue = Swift.min(1, 2 * (try StudentT(degreesOfFreedom: Double(n - 1)).survival(Swift.abs(t))))
    }
}
