import CTorch

/// A TorchScript module loaded from a file. TorchScript files contain code: load only files
/// the user named and trusts.
public final class ScriptModule: @unchecked Sendable {
    let handle: ct_module

    public init(contentsOf path: String, device: Device = .cpu) throws {
        do {
            try TorchScriptCheck.check(path)
        } catch let error as TorchError {
            throw TorchError("cannot load TorchScript file \(path): \(error.message)")
        }
        guard let handle = ct_module_load(path, device.typeCode, device.index) else {
            throw TorchError.last("cannot load TorchScript file \(path)").singleLine()
        }
        self.handle = handle
    }

    deinit {
        ct_module_free(handle)
    }

    public func train(_ on: Bool = true) throws {
        try check(ct_module_set_training(handle, on ? 1 : 0))
    }

    /// Runs `forward`; tuple and list results come back flattened in order.
    public func forward(_ inputs: [Tensor]) throws -> [Tensor] {
        var outs = [ct_tensor?](repeating: nil, count: 16)
        let handles = inputs.map { $0.handle as ct_tensor? }
        let count = withExtendedLifetime(inputs) {
            ct_module_forward(handle, handles, Int32(handles.count), &outs, Int32(outs.count))
        }
        if count < 0 { throw TorchError.last("TorchScript forward failed") }
        return outs.prefix(Int(count)).compactMap { $0.map { Tensor(handle: $0) } }
    }
}
