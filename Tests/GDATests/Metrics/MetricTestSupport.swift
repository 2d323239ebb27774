import Foundation
import Testing
import TestSupport
import Torch

@testable import GDA

/// Shared inputs of the metric tests.
enum MetricFixtures {
    /// Returns the path of a file under Fixtures/metrics.
    static func path(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/metrics/\(name)", withExtension: nil))
        return url.path
    }

    /// x1 and x2 from features.json: 50×4 float64 each, from numpy's default_rng(0)
    /// (scripts/fixtures/metrics_features.py).
    static func features() throws -> (x1: Tensor, x2: Tensor) {
        let data = try Data(contentsOf: URL(fileURLWithPath: try path("features.json")))
        let decoded = try JSONDecoder().decode([String: [[Double]]].self, from: data)
        let x1 = try #require(decoded["x1"])
        let x2 = try #require(decoded["x2"])
        return (try matrix(x1), try matrix(x2))
    }

    /// Returns a float64 tensor made of rows of equal length.
    static func matrix(_ rows: [[Double]]) throws -> Tensor {
        try Tensor(rows.flatMap { $0 }, shape: [rows.count, rows.first?.count ?? 0])
    }

    /// Runs an oracle whose single argument is a JSON request.
    static func oracle(_ script: String, request: Any) throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: request)
        return try Oracle.json(script, [String(decoding: data, as: UTF8.self)])
    }

    /// Reads an oracle number: a JSON number, nil for null, and the strings "inf" and "-inf".
    static func number(_ value: Any?) -> Double? {
        switch value {
        case let number as NSNumber: number.doubleValue
        case let text as String where text == "inf": .infinity
        case let text as String where text == "-inf": -.infinity
        default: nil
        }
    }
}

/// Returns whether `actual` is within `tolerance` of `expected`, absolutely or relative to
/// `expected`'s magnitude, whichever is looser.
func isClose(_ actual: Double, _ expected: Double, tolerance: Double) -> Bool {
    if actual == expected { return true }
    return Swift.abs(actual - expected) <= tolerance * Swift.max(1, Swift.abs(expected))
}
