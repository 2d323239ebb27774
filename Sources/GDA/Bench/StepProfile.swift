import Foundation
import Torch

/// The time of profiled training steps, broken down by operator and by kind of work.
public struct StepProfile: Sendable {
    /// Wall-clock seconds of the profiled steps (the profiler's own cost included).
    public let seconds: Double
    public let steps: Int
    /// Operators by self time, most first, one entry per operator and input shapes.
    public let entries: [Profiler.Entry]

    /// Kinds of work, tried in this order. An operator belongs to the first whose `parts`
    /// has a substring of its lower-cased name, or whose `names` has its name without the
    /// namespace (`aten::t` is `t`). Autograd's engine nodes
    /// (`autograd::engine::evaluate_function: ...`) keep only their own bookkeeping as self
    /// time, so they count as autograd whatever the node is.
    static let categories: [(name: String, parts: [String], names: Set<String>)] = [
        ("autograd engine", ["autograd::"], []),
        ("convolution", ["conv", "mkldnn"], []),
        ("batch norm", ["batch_norm"], []),
        ("linear (matmul)", ["addmm", "linear", "matmul"], ["mm", "bmm"]),
        ("optimizer", ["adam"], []),
        ("loss", ["cross_entropy", "nll_loss", "log_softmax", "binary_cross"], []),
        ("activation", ["relu", "tanh", "threshold", "sigmoid", "max_pool", "dropout", "bernoulli"], []),
        ("random numbers", ["randn", "randint", "normal", "uniform"], ["rand"]),
        ("copy, view, allocation", [],
         ["cat", "copy_", "clone", "view", "reshape", "_reshape_alias", "permute", "empty", "empty_strided",
          "empty_like", "zeros_like", "slice", "select", "expand", "contiguous", "to", "_to_copy", "detach",
          "detach_", "unsqueeze", "as_strided", "transpose", "t", "flatten", "unflatten", "index", "resize_",
          "alias", "lift_fresh", "split", "unbind", "narrow", "squeeze", "repeat", "repeat_interleave"]),
    ]

    /// Self seconds per category, in `categories` order, then "other operators" (element-wise
    /// arithmetic and the rest) and "outside operators" (wall time not inside any operator:
    /// Swift, the C API, and the profiler's own cost).
    public var categorySeconds: [(name: String, seconds: Double)] {
        var sums = [Double](repeating: 0, count: Self.categories.count)
        var other = 0.0
        for entry in entries {
            let name = entry.name.lowercased()
            let base = name.components(separatedBy: "::").last ?? name
            let index = Self.categories.firstIndex { category in
                category.names.contains(base) || category.parts.contains { name.contains($0) }
            }
            if let index { sums[index] += entry.selfSeconds } else { other += entry.selfSeconds }
        }
        let inside = sums.reduce(0, +) + other
        return zip(Self.categories, sums).map { ($0.name, $1) }
            + [("other operators", other), ("outside operators", Swift.max(0, seconds - inside))]
    }

    /// Formats a plain-text report: milliseconds per step and shares by category, then the
    /// operators with the most self time, with their input shapes.
    public func report(top: Int = 20) -> String {
        let perStep = 1000 / Double(steps)
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
        }
        var lines = [String(format: "profile: %d steps, %.2f ms per step under the profiler", steps,
                            seconds * perStep)]
        lines.append("  \(pad("category", 24)) ms/step   share")
        for (name, value) in categorySeconds where value > 0 {
            let figures = String(format: "%8.2f %6.1f%%", value * perStep, 100 * value / seconds)
            lines.append("  \(pad(name, 24))" + figures)
        }
        lines.append("  \(pad("operator (self time)", 48)) calls/step  ms/step  input shapes")
        for entry in entries.prefix(top) {
            let name = entry.name.count > 48 ? String(entry.name.prefix(47)) + "…" : entry.name
            let figures = String(format: "%10.1f %8.2f  ", Double(entry.calls) / Double(steps),
                                 entry.selfSeconds * perStep)
            lines.append("  \(pad(name, 48))" + figures + entry.shapes)
        }
        return lines.joined(separator: "\n")
    }
}

extension StepBenchmark {
    /// Runs `steps` more steps under libtorch's profiler.
    public func profile(steps: Int) throws -> StepProfile {
        precondition(steps >= 1, "profile at least one step")
        try Profiler.start(recordShapes: true)
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            for _ in 0..<steps { try step() }
        } catch {
            _ = try? Profiler.stop()
            throw error
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return StepProfile(seconds: seconds, steps: steps, entries: try Profiler.stop())
    }
}
