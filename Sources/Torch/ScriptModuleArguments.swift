import CTorch
import Foundation

// TorchScript calls beyond plain `forward`: keyword arguments, schema queries and named
// parameters. Feature networks such as the `inception-2015-12-05` TorchScript take their
// mode from keyword arguments (`return_features`, `no_output_bias`).

extension ScriptModule {
    /// Runs `forward` with bool keyword arguments, such as `["return_features": true]`;
    /// tuple and list results come back flattened in order.
    public func forward(_ inputs: [Tensor], flags: [String: Bool]) throws -> [Tensor] {
        var outs = [ct_tensor?](repeating: nil, count: 16)
        let handles = inputs.map { $0.handle as ct_tensor? }
        let names = Array(flags.keys)
        let values = names.map { Int32(flags[$0] == true ? 1 : 0) }
        let count = withExtendedLifetime(inputs) {
            withCStrings(names) { namePointers in
                ct_module_forward_bool_kwargs(handle, handles, Int32(handles.count), namePointers,
                                              values, Int32(values.count), &outs, Int32(outs.count))
            }
        }
        if count < 0 { throw TorchError.last("TorchScript forward failed") }
        return outs.prefix(Int(count)).compactMap { $0.map { Tensor(handle: $0) } }
    }

    /// Returns whether the module's `forward` declares an argument named `name`.
    public func forwardAccepts(argument name: String) throws -> Bool {
        let status = ct_module_forward_has_argument(handle, name)
        if status < 0 { throw TorchError.last("cannot read the TorchScript forward schema") }
        return status == 1
    }

    /// Returns the parameter or buffer with the dotted name `name` (such as "output.weight"),
    /// or nil when the module has none of that name.
    public func tensor(named name: String) throws -> Tensor? {
        var out: ct_tensor?
        let status = ct_module_find_tensor(handle, name, &out)
        if status < 0 { throw TorchError.last("cannot look up \(name) in a TorchScript module") }
        return status == 1 ? out.map { Tensor(handle: $0) } : nil
    }
}

/// Calls `body` with C copies of `strings`, freed afterwards.
private func withCStrings<R>(_ strings: [String],
                             _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
