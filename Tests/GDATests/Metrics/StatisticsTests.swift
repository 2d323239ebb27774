import Foundation
import Testing
import TestSupport

@testable import GDA

@Suite("Statistics")
struct StatisticsTests {
    static let degrees: [Double] = Array(1...30).map(Double.init) + [100]

    @Test("t quantiles match scipy")
    func quantiles() throws {
        let probabilities = [0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.025, 1e-6]
        let reference = try MetricFixtures.oracle(
            "statistics_reference.py",
            request: ["quantiles": ["p": probabilities, "df": Self.degrees],
                      "cdf": ["t": [], "df": []], "samples": [], "pairs": []])
        let table = try #require(reference["quantiles"] as? [[Double]])
        for (row, p) in probabilities.enumerated() {
            for (column, df) in Self.degrees.enumerated() {
                let actual = try StudentT(degreesOfFreedom: df).quantile(p)
                let expected = table[row][column]
                #expect(isClose(actual, expected, tolerance: 1e-9), "t.ppf(\(p), \(df)): \(actual) vs \(expected)")
            }
        }
    }

    @Test("t distribution function matches scipy")
    func distribution() throws {
        let points = [-40.0, -3.1, -0.7, 0, 0.2, 1.5, 2.2, 12, 300]
        let reference = try MetricFixtures.oracle(
            "statistics_reference.py",
            request: ["quantiles": ["p": [], "df": []], "cdf": ["t": points, "df": Self.degrees],
                      "samples": [], "pairs": []])
        let table = try #require(reference["cdf"] as? [[Double]])
        for (row, t) in points.enumerated() {
            for (column, df) in Self.degrees.enumerated() {
                let actual = try StudentT(degreesOfFreedom: df).cdf(t)
                let expected = table[row][column]
                #expect(Swift.abs(actual - expected) <= 1e-12, "t.cdf(\(t), \(df)): \(actual) vs \(expected)")
            }
        }
    }

    @Test("summary matches numpy and scipy")
    func summaries() throws {
        let samples: [[Double]] = [
            [0.91, 0.93, 0.92, 0.95, 0.90],
            [1, 2, 4],
            [1e6 + 0.1, 1e6 + 0.2, 1e6 + 0.4, 1e6 + 0.3],
            [0.5, 0.5, 0.5],
            [3],
        ]
        let reference = try MetricFixtures.oracle(
            "statistics_reference.py",
            request: ["quantiles": ["p": [], "df": []], "cdf": ["t": [], "df": []],
                      "samples": samples, "pairs": []])
        let rows = try #require(reference["samples"] as? [[String: Any]])
        for (values, row) in zip(samples, rows) {
            let summary = try Summary(values)
            let mean = try #require(MetricFixtures.number(row["mean"]))
            #expect(isClose(summary.mean, mean, tolerance: 1e-12), "mean of \(values)")
            let sd = MetricFixtures.number(row["sd"])
            let lower = MetricFixtures.number(row["lower"])
            let upper = MetricFixtures.number(row["upper"])
            if let sd, sd == 0 {
                // scipy's t.interval rejects a zero scale; gda gives the point [mean, mean].
                #expect(summary.standardDeviation == 0)
                #expect(summary.interval?.lower == summary.mean)
                #expect(summary.interval?.upper == summary.mean)
            } else if let sd, let lower, let upper {
                let actualSD = try #require(summary.standardDeviation)
                let interval = try #require(summary.interval)
                #expect(isClose(actualSD, sd, tolerance: 1e-9), "sd of \(values)")
                #expect(isClose(interval.lower, lower, tolerance: 1e-9), "lower bound of \(values)")
                #expect(isClose(interval.upper, upper, tolerance: 1e-9), "upper bound of \(values)")
                #expect(interval.level == 0.95)
            } else {
                #expect(values.count == 1, "scipy leaves only single values undefined")
                #expect(summary.standardDeviation == nil)
                #expect(summary.interval == nil)
            }
        }
    }

    @Test("paired t-test matches ttest_rel")
    func pairedTests() throws {
        let pairs: [[[Double]]] = [
            [[0.81, 0.84, 0.79, 0.88, 0.83, 0.85], [0.80, 0.80, 0.78, 0.85, 0.84, 0.81]],
            [[1, 2, 3.5], [0, 1, 2]],
            [[0.5, 0.7], [0.9, 0.6]],
            [[1, 2, 3], [0, 1, 2]],
            [[1, 2, 3], [1, 2, 3]],
            [[1], [0.5]],
        ]
        let reference = try MetricFixtures.oracle(
            "statistics_reference.py",
            request: ["quantiles": ["p": [], "df": []], "cdf": ["t": [], "df": []],
                      "samples": [], "pairs": pairs])
        let rows = try #require(reference["pairs"] as? [[String: Any]])
        for (pair, row) in zip(pairs, rows) {
            let test = try PairedTTest(pair[0], pair[1])
            let name = "ttest_rel(\(pair[0]), \(pair[1]))"
            #expect(test.degreesOfFreedom == row["df"] as? Int, "df of \(name)")
            let mean = try #require(MetricFixtures.number(row["mean"]))
            #expect(isClose(test.meanDifference, mean, tolerance: 1e-12), "mean of \(name)")
            expectSame(test.statistic, MetricFixtures.number(row["statistic"]), "statistic of \(name)")
            expectSame(test.pValue, MetricFixtures.number(row["pvalue"]), "p-value of \(name)")
            expectSame(test.interval?.lower, MetricFixtures.number(row["lower"]), "lower bound of \(name)")
            expectSame(test.interval?.upper, MetricFixtures.number(row["upper"]), "upper bound of \(name)")
        }
    }

    @Test("bad input is rejected")
    func rejectsBadInput() {
        #expect(throws: GDAError.self) { try Summary([]) }
        #expect(throws: GDAError.self) { try Summary([1, .nan]) }
        #expect(throws: GDAError.self) { try Summary([1, 2], level: 1) }
        #expect(throws: GDAError.self) { try PairedTTest([1, 2], [1]) }
        #expect(throws: GDAError.self) { try PairedTTest([], []) }
        #expect(throws: GDAError.self) { try StudentT(degreesOfFreedom: 0) }
    }

    private func expectSame(_ actual: Double?, _ expected: Double?, _ name: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        switch (actual, expected) {
        case (nil, nil):
            break
        case let (actual?, expected?):
            #expect(isClose(actual, expected, tolerance: 1e-9), "\(name): \(actual) vs \(expected)",
                    sourceLocation: sourceLocation)
        default:
            Issue.record("\(name): \(String(describing: actual)) vs \(String(describing: expected))",
                         sourceLocation: sourceLocation)
        }
    }
}
