import CTorch

extension Module {
    /// Moves every parameter and buffer to `device` in place, as `nn.Module.to` does: each
    /// tensor keeps its identity, so optimizers and references made before stay valid.
    public func move(to device: Device) throws {
        for (name, tensor) in stateDict() where tensor.device != device {
            let moved = try tensor.detach().to(device)
            try check(ct_tensor_set_data(tensor.handle, moved.handle), "cannot move \(name) to \(device)")
        }
    }
}
