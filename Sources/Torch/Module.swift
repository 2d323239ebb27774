/// A layer or model with named parameters, buffers and submodules, laid out as PyTorch's
/// `nn.Module` lays them out so that state dicts carry the same names.
open class Module {
    public private(set) var isTraining = true
    private var ownParameters: [(String, Tensor)] = []
    private var ownBuffers: [(String, Tensor)] = []
    private var submodules: [(String, Module)] = []

    public init() {}

    // MARK: - Registration

    /// Adds a parameter that autograd tracks.
    @discardableResult
    public func registerParameter(_ name: String, _ tensor: Tensor) throws -> Tensor {
        try tensor.requiringGrad(true)
        ownParameters.append((name, tensor))
        return tensor
    }

    /// Adds state that is saved with the module but not trained, such as running statistics.
    @discardableResult
    public func registerBuffer(_ name: String, _ tensor: Tensor) -> Tensor {
        ownBuffers.append((name, tensor))
        return tensor
    }

    @discardableResult
    public func registerModule<M: Module>(_ name: String, _ module: M) -> M {
        submodules.append((name, module))
        return module
    }

    // MARK: - Traversal

    public var children: [(String, Module)] { submodules }

    /// Parameters with dotted names, in registration order, submodules after own.
    public func namedParameters() -> [(String, Tensor)] {
        var result = ownParameters
        for (prefix, child) in submodules {
            result += child.namedParameters().map { ("\(prefix).\($0.0)", $0.1) }
        }
        return result
    }

    public func namedBuffers() -> [(String, Tensor)] {
        var result = ownBuffers
        for (prefix, child) in submodules {
            result += child.namedBuffers().map { ("\(prefix).\($0.0)", $0.1) }
        }
        return result
    }

    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// Every submodule, depth first, this one included.
    public func modules() -> [Module] {
        [self] + submodules.flatMap { $0.1.modules() }
    }

    /// Parameters then buffers for each module, in PyTorch's `state_dict` order.
    public func stateDict() -> [(String, Tensor)] {
        var result = ownParameters + ownBuffers
        for (prefix, child) in submodules {
            result += child.stateDict().map { ("\(prefix).\($0.0)", $0.1) }
        }
        return result
    }

    /// Copies `state` into this module's tensors in place. With `strict`, a missing or
    /// unexpected name is an error; a shape mismatch always is.
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
        let own = stateDict()
        let names = Set(own.map(\.0))
        if strict {
            let missing = names.subtracting(state.keys).sorted()
            let unexpected = Set(state.keys).subtracting(names).sorted()
            if !missing.isEmpty || !unexpected.isEmpty {
                throw TorchError("state dict does not match the model: missing \(missing), unexpected \(unexpected)")
            }
        }
        for (name, tensor) in own {
            guard let source = state[name] else { continue }
            guard source.shape == tensor.shape else {
                throw TorchError("state dict entry '\(name)' has shape \(source.shape), the model expects \(tensor.shape)")
            }
            try tensor.assign(source)
        }
    }

    // MARK: - Mode

    /// Switches this module and its submodules between training and evaluation behaviour.
    public func train(_ on: Bool = true) {
        isTraining = on
        for (_, child) in submodules { child.train(on) }
    }

    public func eval() { train(false) }

    /// Clears every parameter's gradient.
    public func zeroGrad() {
        for parameter in parameters() { parameter.grad = nil }
    }

    // MARK: - Forward

    /// The module's computation on one input. Modules with other inputs define their own call.
    open func forward(_ input: Tensor) throws -> Tensor {
        throw TorchError("\(type(of: self)) does not take a single input tensor")
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        try forward(input)
    }
}

/// Modules applied in order, named "0", "1", ... as in `nn.Sequential`.
public final class Sequential: Module {
    public let layers: [Module]

    public init(_ layers: [Module]) {
        self.layers = layers
        super.init()
        for (index, layer) in layers.enumerated() { registerModule(String(index), layer) }
    }

    public convenience init(_ layers: Module...) {
        self.init(layers)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try layers.reduce(input) { try $1.forward($0) }
    }
}
