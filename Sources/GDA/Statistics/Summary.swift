import Foundation

/// A two-sided confidence interval.
public struct ConfidenceInterval: Codable, Sendable, Equatable {
    /// The confidence level, such as 0.95.
    public let level: Double
    public let lower: Double
    public let upper: Double

    public init(level: Double, lower: Double, upper: Double) {
        self.level = level
        self.lower = lower
        self.upper = upper
    }
}

/// Mean, sample standard deviation and Student-t confidence interval of the mean, over
/// repeated runs (seeds) of one configuration.
///
/// With one value the spread is undefined: `standardDeviation` and `interval` are nil, as
/// NumPy's `std(ddof=1)` and SciPy's t interval give NaN there. With zero variance the
/// interval is the single point `[mean, mean]`.
public struct Summary: Codable, Sendable, Equatable {
    public let count: Int
    public let mean: Double
    /// The sample standard deviation (divisor n - 1); nil when `count` is 1.
    public let standardDeviation: Double?
    /// `mean ± t(1 - (1 - level) / 2, n - 1) · sd / √n`; nil when `count` is 1.
    public let interval: ConfidenceInterval?

    /// Summarises `values`, which must be non-empty and finite; `level` is the interval's
    /// confidence level in (0, 1).
    public init(_ values: [Double], level: Double = 0.95) throws {
        guard !values.isEmpty else { throw GDAError("cannot summarise an empty list of values") }
        try Summary.checkFinite(values, name: "values")
        guard level > 0, level < 1 else {
            throw GDAError("the confidence level must be in (0, 1), found \(level)")
        }
        count = values.count
        mean = Summary.mean(values)
        guard values.count > 1 else {
            standardDeviation = nil
            interval = nil
            return
        }
        let deviation = Summary.sampleStandardDeviation(values, mean: mean)
        standardDeviation = deviation
        interval = try Summary.tInterval(mean: mean, standardError: deviation / Double(values.count).squareRoot(),
                                         degreesOfFreedom: values.count - 1, level: level)
    }

    // MARK: - Helpers

    /// Returns the arithmetic mean, summed with Kahan compensation.
    static func mean(_ values: [Double]) -> Double {
        var sum = 0.0
        var compensation = 0.0
        for value in values {
            let term = value - compensation
            let next = sum + term
            compensation = (next - sum) - term
            sum = next
        }
        return sum / Double(values.count)
    }

    /// Returns the standard deviation with divisor n - 1, from deviations about `mean`.
    static func sampleStandardDeviation(_ values: [Double], mean: Double) -> Double {
        let squares = values.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) }
        return (squares / Double(values.count - 1)).squareRoot()
    }

    /// `mean ± t · standardError` with the two-sided t quantile for `level`.
    static func tInterval(mean: Double, standardError: Double, degreesOfFreedom: Int,
                          level: Double) throws -> ConfidenceInterval {
        let t = try StudentT(degreesOfFreedom: Double(degreesOfFreedom)).quantile(0.5 + level / 2)
        let halfWidth = standardError == 0 ? 0 : t * standardError
        return ConfidenceInterval(level: level, lower: mean - halfWidth, upper: mean + halfWidth)
    }

    static func checkFinite(_ values: [Double], name: String) throws {
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw GDAError("\(name)[\(index)] is \(values[index]), expected a finite number")
        }
    }
}
