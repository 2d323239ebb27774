import CTorch

/// A failure reported by libtorch or by the bindings, carrying libtorch's message.
public struct TorchError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// The calling thread's last C API failure.
    static func last(_ context: String? = nil) -> TorchError {
        let message = String(cString: ct_last_error())
        guard let context else { return TorchError(message) }
        return TorchError(message.isEmpty ? context : "\(context): \(message)")
    }
}

/// Throws the calling thread's last C API failure when `status` is negative.
@inline(__always)
func check(_ status: Int32, _ context: @autoclosure () -> String? = nil) throws {
    if status < 0 { throw TorchError.last(context()) }
}

/// Process-wide libtorch settings and facts.
public enum Torch {
    /// The libtorch version the program runs on, such as "2.15.0".
    public static var version: String { String(cString: ct_version()) }

    /// The number of intra-op threads libtorch uses.
    public static var threads: Int {
        get { Int(ct_get_num_threads()) }
        set { ct_set_num_threads(Int32(newValue)) }
    }

    /// Seeds libtorch's default generators.
    public static func manualSeed(_ seed: UInt64) {
        ct_manual_seed(seed)
    }

    /// Loads libtorch's CUDA library, which registers the CUDA kernels.
    public static func loadCUDA() throws {
        try check(ct_load_cuda(), "cannot load libtorch's CUDA library")
    }

    public static var cudaIsAvailable: Bool { ct_cuda_is_available() == 1 }
    public static var cudaDeviceCount: Int { Int(ct_cuda_device_count()) }

    /// Asks libtorch for deterministic algorithms only.
    public static func setDeterministic(_ on: Bool) throws {
        try check(ct_set_deterministic(on ? 1 : 0))
    }
}

/// Runs `body` with gradient recording off on this thread, then restores the previous mode.
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    let previous = ct_set_grad_enabled(0)
    defer { _ = ct_set_grad_enabled(previous) }
    return try body()
}

/// Runs `body` with gradient recording on or off, then restores the previous mode.
public func withGradEnabled<T>(_ on: Bool, _ body: () throws -> T) rethrows -> T {
    let previous = ct_set_grad_enabled(on ? 1 : 0)
    defer { _ = ct_set_grad_enabled(previous) }
    return try body()
}
