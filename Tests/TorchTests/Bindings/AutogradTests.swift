import TestSupport
import Testing
import Torch

/// Gradient recording, detaching, accumulation and clearing, checked against hand-derived
/// derivatives.
@Suite struct AutogradTests {
    @Test func noGradRecordsNothing() throws {
        let x = try Tensor([Float(1), 2, 3]).requiringGrad()
        let y = try withNoGrad { try x * 2 }
        #expect(!y.requiresGrad)
        #expect(throws: TorchError.self) { try y.sum().backward() }
        // Recording is back on after the block.
        #expect(try (x * 2).requiresGrad)
    }

    @Test func noGradRestoresModeAfterThrow() throws {
        let x = try Tensor([Float(1), 2]).requiringGrad()
        #expect(throws: TorchError.self) {
            try withNoGrad { _ = try x.reshape([5]) }
        }
        #expect(try (x * 2).requiresGrad)
        // The innermost setting wins, and each block restores the one around it.
        let inner = try withNoGrad { try withGradEnabled(true) { try x * 2 } }
        #expect(inner.requiresGrad)
        let outer = try withNoGrad { _ = try withGradEnabled(true) { try x * 2 }; return try x * 2 }
        #expect(!outer.requiresGrad)
    }

    @Test func detachStopsGradientAndSharesStorage() throws {
        let x = try Tensor([Float(1), 2, 3]).requiringGrad()
        let d = try x.detach()
        #expect(!d.requiresGrad)
        // y = 2x + 3·detach(x): only the first term reaches x.
        try (x * 2 + d * 3).sum().backward()
        #expect(try x.grad?.scalars(as: Float.self) == [2, 2, 2])
        // A detached tensor is a view of the same storage.
        try d.fill_(7)
        #expect(try x.scalars(as: Float.self) == [7, 7, 7])
    }

    @Test func gradientsAccumulateUntilCleared() throws {
        let x = try Tensor([Float(1), -2, 3]).requiringGrad()
        // d/dx sum(x²) = 2x.
        try (x * x).sum().backward()
        #expect(try x.grad?.scalars(as: Float.self) == [2, -4, 6])
        try (x * x).sum().backward()
        #expect(try x.grad?.scalars(as: Float.self) == [4, -8, 12])
        x.grad = nil
        #expect(x.grad == nil)
        try (x * 3).sum().backward()
        #expect(try x.grad?.scalars(as: Float.self) == [3, 3, 3])
    }

    @Test func moduleZeroGradClearsEveryParameter() throws {
        let layer = try Linear(3, 2, generator: try Generator(seed: 1))
        try layer(try Tensor([Float(1), 2, 3], shape: [1, 3])).sum().backward()
        #expect(layer.parameters().allSatisfy { $0.grad != nil })
        layer.zeroGrad()
        #expect(layer.parameters().allSatisfy { $0.grad == nil })
    }

    @Test func retainGraphAllowsSecondBackward() throws {
        let x = try Tensor([Float(0.5), 1]).requiringGrad()
        let y = try x.exp().sum()
        try y.backward(retainGraph: true)
        try y.backward()
        let expected = try x.detach().exp().scalars(as: Float.self).map { 2 * $0 }
        #expect(try x.grad?.scalars(as: Float.self) == expected)
        // Without retainGraph the graph's buffers are freed after the first pass.
        let z = try x.exp().sum()
        try z.backward()
        #expect(throws: TorchError.self) { try z.backward() }
    }

    @Test func backwardWithExplicitGradient() throws {
        let x = try Tensor([Float(1), 2, 3]).requiringGrad()
        let y = try x * x
        try y.backward(try Tensor([Float(1), 0.5, -1]))
        #expect(try x.grad?.scalars(as: Float.self) == [2, 2, -6])
        // A non-scalar output needs an explicit gradient.
        #expect(throws: TorchError.self) { try (x * 2).backward() }
    }

    @Test func freshTensorsDoNotRequireGrad() throws {
        let x = try Tensor([Float(1)])
        #expect(!x.requiresGrad)
        #expect(x.grad == nil)
        try x.requiringGrad()
        #expect(x.requiresGrad)
        try x.requiringGrad(false)
        #expect(!x.requiresGrad)
    }
}

/// Seeded generators against PyTorch's draws from `torch.Generator().manual_seed(42)`.
@Suite struct GeneratorTests {
    @Test func drawsMatchPyTorch() throws {
        let expected = try Fixture.load("random")
        let generator = try Generator(seed: 42)
        let draws: [(String, Tensor)] = [
            ("randn", try Tensor.randn([3, 4], generator: generator)),
            ("rand", try Tensor.rand([5], generator: generator)),
            ("randint", try Tensor.randint(0, 10, shape: [6], generator: generator)),
            ("randperm", try Tensor.randperm(8, generator: generator)),
            ("normal_", try {
                let t = try Tensor.zeros([20])
                try t.normal_(mean: 1, std: 0.5, generator: generator)
                return t
            }()),
            ("uniform_", try {
                let t = try Tensor.zeros([7])
                try t.uniform_(-2, 3, generator: generator)
                return t
            }()),
            ("randn_f64", try Tensor.randn([17], generator: generator, dtype: .float64)),
        ]
        for (name, tensor) in draws {
            let reference = try expected[name]
            #expect(tensor.dtype == reference.dtype, "\(name) dtype")
            #expect(tensor.shape == reference.shape, "\(name) shape")
            #expect(try SameBytes.tensors(tensor, reference), "\(name) differs from PyTorch")
        }
    }

    @Test func sameSeedSameSequence() throws {
        let a = try Generator(seed: 7)
        let b = try Generator(seed: 7)
        let c = try Generator(seed: 8)
        let x = try Tensor.randn([64], generator: a)
        #expect(try x.bytes() == Tensor.randn([64], generator: b).bytes())
        #expect(try x.bytes() != Tensor.randn([64], generator: c).bytes())
        // Each draw advances the generator.
        #expect(try x.bytes() != Tensor.randn([64], generator: a).bytes())
    }

    @Test func stateRestoresTheSequence() throws {
        let generator = try Generator(seed: 11)
        _ = try Tensor.randn([10], generator: generator)
        let state = try generator.state()
        #expect(state.dtype == .uint8)
        let first = try Tensor.randn([33], generator: generator).bytes()
        let second = try Tensor.randint(0, 100, shape: [9], generator: generator).bytes()

        try generator.setState(state)
        #expect(try Tensor.randn([33], generator: generator).bytes() == first)
        #expect(try Tensor.randint(0, 100, shape: [9], generator: generator).bytes() == second)

        // The state also moves to another generator.
        let other = try Generator(seed: 999)
        try other.setState(state)
        #expect(try Tensor.randn([33], generator: other).bytes() == first)
    }
}

/// Dropout zeroes with probability p and scales the rest by 1 / (1 - p).
@Suite struct DropoutTests {
    @Test func trainingMatchesBernoulliMaskFromPyTorch() throws {
        let fixture = try Fixture.load("random")
        let dropout = Dropout(0.3, generator: try Generator(seed: 43))
        let output = try dropout(try fixture["dropout.input"])
        try expectClose(output, try fixture["dropout.output"], rtol: 1e-6, atol: 1e-7, "dropout")
    }

    @Test func scalingKeepsTheExpectation() throws {
        let p = 0.25
        let count = 20_000
        let dropout = Dropout(p, generator: try Generator(seed: 3))
        let x = try Tensor.ones([count]).requiringGrad()
        let y = try dropout(x)
        try y.sum().backward()
        let values = try y.scalars(as: Float.self)
        let scale = Float(1 / (1 - p))
        #expect(values.allSatisfy { $0 == 0 || Swift.abs($0 - scale) < 1e-6 })
        // The kept fraction is 1 - p within 4 standard deviations of a binomial draw.
        let kept = Double(values.filter { $0 != 0 }.count) / Double(count)
        let sigma = (p * (1 - p) / Double(count)).squareRoot()
        #expect(Swift.abs(kept - (1 - p)) < 4 * sigma, "kept fraction \(kept)")
        // The gradient is the same mask and scale.
        #expect(try x.grad?.scalars(as: Float.self) == values)
    }

    @Test func evaluationAndZeroProbabilityAreIdentity() throws {
        let x = try Tensor([Float(1), 2, 3])
        let dropout = Dropout(0.5, generator: try Generator(seed: 1))
        dropout.eval()
        #expect(try dropout(x).scalars(as: Float.self) == [1, 2, 3])
        let none = Dropout(0, generator: try Generator(seed: 1))
        #expect(try none(x).scalars(as: Float.self) == [1, 2, 3])
    }
}
