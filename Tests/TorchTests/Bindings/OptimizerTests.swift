import Foundation
import Testing
import TestSupport
import Torch

/// Adam and SGD against `torch.optim`: three steps on two parameters from the fixture's
/// gradients, where parameter 1 has no gradient at step 2 (PyTorch then skips it and its step
/// count falls behind). Parameters after every step and the final state agree to 1e-6.
@Suite struct OptimizerFixtureTests {
    static func makeOptimizer(_ name: String, _ parameters: [Tensor]) -> any Optimizer {
        switch name {
        case "adam": Adam(parameters, learningRate: 2e-4, betas: (0.5, 0.999))
        case "adam_wd": Adam(parameters, learningRate: 2e-4, betas: (0.5, 0.999), weightDecay: 0.01)
        case "sgd": SGD(parameters, learningRate: 0.1, momentum: 0.9)
        case "sgd_wd": SGD(parameters, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        default: SGD(parameters, learningRate: 0.1)
        }
    }

    @Test(arguments: ["adam", "adam_wd", "sgd", "sgd_wd", "sgd_plain"])
    func optimizerMatchesPyTorch(_ name: String) throws {
        let fixture = try Fixture.load("optimizers").scoped(name)
        let parameters = try (0..<2).map { try fixture["param.\($0)"].clone().requiringGrad() }
        let optimizer = Self.makeOptimizer(name, parameters)
        for step in 1...3 {
            for (index, parameter) in parameters.enumerated() {
                parameter.grad = try fixture.values["grad.\(step).\(index)"]?.clone()
            }
            try optimizer.step()
            for (index, parameter) in parameters.enumerated() {
                try expectClose(parameter, try fixture["after.\(step).\(index)"], rtol: 1e-6,
                                atol: 1e-6, "\(name) parameter \(index) after step \(step)")
            }
        }
        try expectAllClose(try optimizer.stateDict(), fixture.scoped("state").prefixed("state"),
                           rtol: 1e-6, atol: 1e-6, "\(name) state")
    }
}

/// Saving and restoring training state: N steps, a checkpoint through SafeTensors, a fresh
/// model and optimizer loaded from it, then M more steps must give the same bytes as N + M
/// uninterrupted steps.
@Suite struct OptimizerCheckpointTests {
    static func makeModel(seed: UInt64) throws -> Sequential {
        let generator = try Generator(seed: seed)
        return Sequential(
            try Conv2d(1, 3, kernel: 3, padding: 1, generator: generator), try BatchNorm(3), ReLU(),
            Flatten(), try Linear(3 * 4 * 4, 4, generator: generator))
    }

    static func batches(_ count: Int) throws -> [(Tensor, Tensor)] {
        let generator = try Generator(seed: 99)
        return try (0..<count).map { _ in
            (try Tensor.randn([5, 1, 4, 4], generator: generator),
             try Tensor.randint(0, 4, shape: [5], generator: generator))
        }
    }

    static func train(_ model: Module, _ optimizer: any Optimizer, _ batches: [(Tensor, Tensor)]) throws {
        for (x, y) in batches {
            optimizer.zeroGrad()
            try crossEntropy(try model(x), y).backward()
            try optimizer.step()
        }
    }

    static func checkpoint(_ model: Module, _ optimizer: any Optimizer) throws -> [(String, Tensor)] {
        model.stateDict().map { ("model.\($0.0)", $0.1) }
            + (try optimizer.stateDict()).map { ("optimizer.\($0.0)", $0.1) }
    }

    static func resumes(_ makeOptimizer: ([Tensor]) -> any Optimizer) throws {
        let (n, m) = (3, 2)
        let data = try batches(n + m)
        let folder = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/checkpoint.safetensors"

        let model = try makeModel(seed: 1)
        let optimizer = makeOptimizer(model.parameters())
        try train(model, optimizer, Array(data[..<n]))
        try SafeTensors.save(try checkpoint(model, optimizer), to: path)
        try train(model, optimizer, Array(data[n...]))

        let restored = try makeModel(seed: 2)
        let restoredOptimizer = makeOptimizer(restored.parameters())
        let saved = try SafeTensors.load(path).tensors
        let state = Tensors(name: path, values: saved)
        try restored.loadStateDict(state.scoped("model").values, strict: true)
        try restoredOptimizer.loadStateDict(state.scoped("optimizer").values)
        try train(restored, restoredOptimizer, Array(data[n...]))

        let expected = try checkpoint(model, optimizer)
        let actual = try checkpoint(restored, restoredOptimizer)
        #expect(actual.map(\.0) == expected.map(\.0))
        for ((name, a), (_, e)) in zip(actual, expected) {
            #expect(try SameBytes.tensors(a, e), "\(name) differs after resuming")
        }
    }

    @Test func adamResumesBitForBit() throws {
        try Self.resumes { Adam($0, learningRate: 2e-4, betas: (0.5, 0.999), weightDecay: 0.01) }
    }

    @Test func sgdResumesBitForBit() throws {
        try Self.resumes { SGD($0, learningRate: 0.05, momentum: 0.9) }
    }
}

extension Tensors {
    /// These tensors with `prefix` + "." put back in front of every name.
    func prefixed(_ prefix: String) -> Tensors {
        Tensors(name: name, values: Dictionary(uniqueKeysWithValues: values.map {
            ("\(prefix).\($0.key)", $0.value)
        }))
    }
}

/// Loading optimizer state that does not fit the optimizer or its parameters throws instead of
/// silently starting from fresh state.
@Suite struct OptimizerStateLoadingTests {
    static func parameters() throws -> [Tensor] {
        [try Tensor.zeros([2, 3]).requiringGrad(), try Tensor.zeros([4]).requiringGrad()]
    }

    static func stepped(_ optimizer: any Optimizer) throws -> [(String, Tensor)] {
        for parameter in optimizer.parameters { parameter.grad = try Tensor.ones(parameter.shape) }
        try optimizer.step()
        return try optimizer.stateDict()
    }

    @Test func adamRejectsSGDState() throws {
        let sgd = SGD(try Self.parameters(), learningRate: 0.1, momentum: 0.9)
        let state = Dictionary(uniqueKeysWithValues: try Self.stepped(sgd))
        let adam = Adam(try Self.parameters())
        let error = try #require(throws: TorchError.self) { try adam.loadStateDict(state) }
        #expect(error.message.contains("state.0.momentum_buffer"))
    }

    @Test func sgdRejectsAdamState() throws {
        let adam = Adam(try Self.parameters())
        let state = Dictionary(uniqueKeysWithValues: try Self.stepped(adam))
        let sgd = SGD(try Self.parameters(), learningRate: 0.1, momentum: 0.9)
        #expect(throws: TorchError.self) { try sgd.loadStateDict(state) }
    }

    @Test func adamRejectsPartialState() throws {
        let adam = Adam(try Self.parameters())
        var state = Dictionary(uniqueKeysWithValues: try Self.stepped(adam))
        state["state.1.step"] = nil
        let error = try #require(throws: TorchError.self) {
            try Adam(try Self.parameters()).loadStateDict(state)
        }
        #expect(error.message.contains("parameter 1"))
    }

    @Test func stateForMoreParametersIsRejected() throws {
        let adam = Adam(try Self.parameters())
        let state = Dictionary(uniqueKeysWithValues: try Self.stepped(adam))
        let smaller = Adam([try Tensor.zeros([2, 3]).requiringGrad()])
        let error = try #require(throws: TorchError.self) { try smaller.loadStateDict(state) }
        #expect(error.message.contains("state.1.exp_avg"))
    }

    @Test func sgdBufferTakesParameterShapeAndDtype() throws {
        let sgd = SGD(try Self.parameters(), learningRate: 0.1, momentum: 0.9)
        let buffer = try Tensor([Double](repeating: 0.5, count: 6), shape: [2, 3])
        try sgd.loadStateDict(["state.0.momentum_buffer": buffer])
        let loaded = try #require(try sgd.stateDict().first)
        #expect(loaded.0 == "state.0.momentum_buffer")
        #expect(loaded.1.dtype == .float32)

        let wrong = try Tensor([Float](repeating: 0, count: 4))
        let error = try #require(throws: TorchError.self) {
            try sgd.loadStateDict(["state.0.momentum_buffer": wrong])
        }
        #expect(error.message.contains("parameter 0"))
    }
}
