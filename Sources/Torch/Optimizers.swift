import CTorch

/// An optimizer over a fixed list of parameters whose state can be saved and restored.
public protocol Optimizer: AnyObject {
    var parameters: [Tensor] { get }
    var learningRate: Double { get set }
    /// Updates every parameter that has a gradient.
    func step() throws
    /// Named state tensors, as "state.I.NAME" for parameter I.
    func stateDict() throws -> [(String, Tensor)]
    func loadStateDict(_ state: [String: Tensor]) throws
}

extension Optimizer {
    public func zeroGrad() {
        for parameter in parameters { parameter.grad = nil }
    }

    /// Throws when `state` has an entry other than "state.I.NAME" for a parameter index I and
    /// one of `names`, because such a state dict belongs to another optimizer or model.
    func checkStateNames(_ state: [String: Tensor], _ names: [String]) throws {
        let known = Set(parameters.indices.flatMap { index in
            names.map { "state.\(index).\($0)" }
        })
        let unexpected = Set(state.keys).subtracting(known).sorted()
        guard unexpected.isEmpty else {
            throw TorchError("\(type(of: self)) state has unexpected entries "
                             + "\(unexpected.prefix(5)) for \(parameters.count) parameters. It was "
                             + "saved by another optimizer or for another model.")
        }
    }
}

/// Adam (Kingma and Ba, 2015) as `torch.optim.Adam` defines it, with L2 weight decay added
/// to the gradient. Steps run libtorch's fused Adam kernel.
public final class Adam: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    public let beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double
    private var expAvg: [Tensor?]
    private var expAvgSq: [Tensor?]
    private var steps: [Int64]

    public init(_ parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        (beta1, beta2) = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        expAvg = Array(repeating: nil, count: parameters.count)
        expAvgSq = Array(repeating: nil, count: parameters.count)
        steps = Array(repeating: 0, count: parameters.count)
    }

    public func step() throws {
        // Parameters that share a step count are updated together in one fused call.
        var groups: [Int64: [Int]] = [:]
        var grads: [Int: Tensor] = [:]
        for (index, parameter) in parameters.enumerated() {
            guard let grad = parameter.grad else { continue }
            grads[index] = grad
            if expAvg[index] == nil {
                expAvg[index] = try Tensor.zeros(parameter.shape, dtype: parameter.dtype, device: parameter.device)
                expAvgSq[index] = try Tensor.zeros(parameter.shape, dtype: parameter.dtype, device: parameter.device)
            }
            steps[index] += 1
            groups[steps[index], default: []].append(index)
        }
        for (step, indices) in groups {
            let handles = indices.map { parameters[$0].handle as ct_tensor? }
            let gradHandles = indices.map { grads[$0]!.handle as ct_tensor? }
            let m = indices.map { expAvg[$0]!.handle as ct_tensor? }
            let v = indices.map { expAvgSq[$0]!.handle as ct_tensor? }
            let status = ct_adam_step(handles, gradHandles, m, v, Int32(indices.count), learningRate,
                                      beta1, beta2, epsilon, weightDecay, step)
            try withExtendedLifetime(grads) { try check(status, "Adam step") }
        }
    }

    public func stateDict() throws -> [(String, Tensor)] {
        var state: [(String, Tensor)] = []
        for index in parameters.indices {
            guard let m = expAvg[index], let v = expAvgSq[index] else { continue }
            state.append(("state.\(index).exp_avg", m))
            state.append(("state.\(index).exp_avg_sq", v))
            state.append(("state.\(index).step", try Tensor(scalar: Double(steps[index]))))
        }
        return state
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        let names = ["exp_avg", "exp_avg_sq", "step"]
        try checkStateNames(state, names)
        for (index, parameter) in parameters.enumerated() {
            let prefix = "state.\(index)."
            let present = names.filter { state[prefix + $0] != nil }
            guard let m = state[prefix + "exp_avg"], let v = state[prefix + "exp_avg_sq"],
                  let step = state[prefix + "step"]
            else {
                // A parameter that never had a gradient has no state, but a partial entry is an
                // error.
                guard present.isEmpty else {
                    throw TorchError(
                        "Adam state for parameter \(index) has \(present) but not all of \(names)")
                }
                expAvg[index] = nil
                expAvgSq[index] = nil
                steps[index] = 0
                continue
            }
            guard m.shape == parameter.shape, v.shape == parameter.shape else {
                throw TorchError("Adam state for parameter \(index) has shape \(m.shape), the parameter \(parameter.shape)")
            }
            expAvg[index] = try m.to(parameter.device, dtype: parameter.dtype).clone()
            expAvgSq[index] = try v.to(parameter.device, dtype: parameter.dtype).clone()
            steps[index] = Int64(try step.item(as: Double.self))
        }
    }
}

/// Stochastic gradient descent with optional momentum and L2 weight decay, as
/// `torch.optim.SGD` defines them.
public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    public let momentum: Double, weightDecay: Double
    private var buffers: [Tensor?]

    public init(_ parameters: [Tensor], learningRate: Double, momentum: Double = 0, weightDecay: Double = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        buffers = Array(repeating: nil, count: parameters.count)
    }

    public func step() throws {
        try withNoGrad {
            for (index, parameter) in parameters.enumerated() {
                guard var grad = parameter.grad else { continue }
                if weightDecay != 0 { grad = try grad + parameter * weightDecay }
                if momentum != 0 {
                    if let buffer = buffers[index] {
                        try buffer.assign(try buffer * momentum + grad)
                        grad = buffer
                    } else {
                        let buffer = try grad.clone()
                        buffers[index] = buffer
                        grad = buffer
                    }
                }
                try parameter.assign(try parameter - grad * learningRate)
            }
        }
    }

    public func stateDict() throws -> [(String, Tensor)] {
        buffers.enumerated().compactMap { index, buffer in
            buffer.map { ("state.\(index).momentum_buffer", $0) }
        }
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        try checkStateNames(state, ["momentum_buffer"])
        for (index, parameter) in parameters.enumerated() {
            guard let buffer = state["state.\(index).momentum_buffer"] else {
                buffers[index] = nil
                continue
            }
            guard buffer.shape == parameter.shape else {
                throw TorchError("SGD momentum buffer for parameter \(index) has shape "
                                 + "\(buffer.shape), the parameter \(parameter.shape)")
            }
            // Checkpoints load on the CPU, so the buffer moves to the parameter's device and dtype.
            buffers[index] = try buffer.to(parameter.device, dtype: parameter.dtype).clone()
        }
    }
}
