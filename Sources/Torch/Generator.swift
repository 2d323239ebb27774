import CTorch

/// A seeded random number generator owned by the caller, so that every random draw in a run
/// is a function of its seed.
public final class Generator: @unchecked Sendable {
    let handle: ct_generator
    public let device: Device

    public init(seed: UInt64, device: Device = .cpu) throws {
        guard let handle = ct_generator_new(seed, device.typeCode) else { throw TorchError.last() }
        self.handle = handle
        self.device = device
    }

    deinit {
        ct_generator_free(handle)
    }

    /// The full generator state, as a uint8 tensor.
    public func state() throws -> Tensor {
        guard let state = ct_generator_get_state(handle) else { throw TorchError.last() }
        return Tensor(handle: state)
    }

    public func setState(_ state: Tensor) throws {
        try check(ct_generator_set_state(handle, state.handle), "cannot restore generator state")
    }
}
