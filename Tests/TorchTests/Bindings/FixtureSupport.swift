import Foundation
import Testing
import Torch

/// The PyTorch fixtures that scripts/fixtures/make_torch_fixtures.py writes.
enum Fixture {
    /// Returns the path of a file in Fixtures/bindings.
    static func path(_ name: String) throws -> String {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return folder.appendingPathComponent("bindings/\(name)").path
    }

    /// Loads every tensor of Fixtures/bindings/NAME.safetensors.
    static func load(_ name: String) throws -> Tensors {
        Tensors(name: name, values: try SafeTensors.load(try path("\(name).safetensors")).tensors)
    }
}

/// Named tensors from one fixture file, with lookups that fail the test with the missing name.
struct Tensors {
    let name: String
    let values: [String: Tensor]

    subscript(_ key: String) -> Tensor {
        get throws {
            guard let value = values[key] else {
                throw TorchError("fixture \(name) has no tensor '\(key)'")
            }
            return value
        }
    }

    /// Returns the entries whose names start with `prefix` + ".", with that prefix removed.
    func scoped(_ prefix: String) -> Tensors {
        let start = prefix + "."
        var result: [String: Tensor] = [:]
        for (key, value) in values where key.hasPrefix(start) {
            result[String(key.dropFirst(start.count))] = value
        }
        return Tensors(name: "\(name)[\(prefix)]", values: result)
    }

    var keys: [String] { values.keys.sorted() }
}

/// Expects `actual` to have `expected`'s shape and to satisfy
/// |actual - expected| <= atol + rtol * |expected| everywhere, as `torch.allclose` does.
func expectClose(
    _ actual: Tensor?, _ expected: Tensor, rtol: Double = 1e-5, atol: Double = 1e-5,
    _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    guard let actual else {
        Issue.record("\(label): no tensor (expected shape \(expected.shape))",
                     sourceLocation: sourceLocation)
        return
    }
    guard actual.shape == expected.shape else {
        Issue.record("\(label): shape \(actual.shape), expected \(expected.shape)",
                     sourceLocation: sourceLocation)
        return
    }
    let a = try actual.scalars(as: Double.self)
    let e = try expected.scalars(as: Double.self)
    var failures = 0
    var worst = 0
    var worstExcess = -Double.infinity
    for index in a.indices where a[index] != e[index] {
        let excess = Swift.abs(a[index] - e[index]) - (atol + rtol * Swift.abs(e[index]))
        // NaN on either side fails, and ranks as the worst element.
        guard excess.isNaN || excess > 0 else { continue }
        failures += 1
        let rank = excess.isNaN ? Double.infinity : excess
        if rank > worstExcess {
            worst = index
            worstExcess = rank
        }
    }
    if failures > 0 {
        let message = "\(label): \(failures) of \(a.count) elements differ; element \(worst) is "
            + "\(a[worst]), expected \(e[worst]) (rtol \(rtol), atol \(atol))"
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }
}

/// Compares every entry of `expected` with the same-named tensor of `actual`; both sides must
/// have the same names.
func expectAllClose(
    _ actual: [(String, Tensor)], _ expected: Tensors, rtol: Double = 1e-5, atol: Double = 1e-5,
    _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let names = actual.map(\.0).sorted()
    #expect(names == expected.keys, "\(label): names differ", sourceLocation: sourceLocation)
    for (name, tensor) in actual {
        guard let reference = expected.values[name] else { continue }
        try expectClose(tensor, reference, rtol: rtol, atol: atol, "\(label) \(name)",
                        sourceLocation: sourceLocation)
    }
}

extension Module {
    /// Returns each parameter's gradient, named as in `namedParameters()`. Parameters without a
    /// gradient are left out.
    func namedGradients() -> [(String, Tensor)] {
        namedParameters().compactMap { name, parameter in parameter.grad.map { (name, $0) } }
    }
}

extension Tensors {
    /// These tensors without the entry `key`.
    func removing(_ key: String) -> Tensors {
        var result = values
        result[key] = nil
        return Tensors(name: name, values: result)
    }
}
