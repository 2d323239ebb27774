import CTorch

/// libtorch's operator profiler (the one behind `torch.profiler`), for the CPU.
public enum Profiler {
    /// One operator's calls with one set of input shapes while the profiler was on.
    public struct Entry: Sendable {
        /// The operator or autograd node, as libtorch names it (`aten::convolution`).
        public let name: String
        /// The input shapes, as "[64,1,28,28] [64]"; empty when not recorded.
        public let shapes: String
        public let calls: Int
        /// Seconds inside the operator, the operators it called included.
        public let totalSeconds: Double
        /// Seconds inside the operator minus those of the operators it called.
        public let selfSeconds: Double
    }

    /// Starts recording every operator call on this process's threads, with their input
    /// shapes when `recordShapes` is set.
    public static func start(recordShapes: Bool = false) throws {
        try check(ct_profiler_start(recordShapes ? 1 : 0), "cannot start the libtorch profiler")
    }

    /// Stops recording and returns the operators, most self time first.
    public static func stop() throws -> [Entry] {
        guard let text = ct_profiler_stop() else { throw TorchError.last("cannot stop the libtorch profiler") }
        defer { ct_string_free(text) }
        return String(cString: text).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 5, let calls = Int(fields[2]), let total = Double(fields[3]),
                  let own = Double(fields[4])
            else { return nil }
            return Entry(name: String(fields[0]), shapes: String(fields[1]), calls: calls,
                         totalSeconds: total / 1e9, selfSeconds: own / 1e9)
        }
    }
}
