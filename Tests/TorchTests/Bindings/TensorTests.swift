import Foundation
import Testing
import TestSupport
import Torch

/// Tensors made from Swift arrays come back unchanged for every dtype, shape included.
@Suite struct TensorCreationTests {
    static func roundTrip<T: TensorScalar & Equatable>(_ values: [T], shape: [Int]) throws {
        let tensor = try Tensor(values, shape: shape)
        #expect(tensor.dtype == T.dtype)
        #expect(tensor.shape == shape)
        #expect(tensor.rank == shape.count)
        #expect(tensor.count == values.count)
        #expect(tensor.device == .cpu)
        #expect(try tensor.scalars(as: T.self) == values)
        let bytes = values.withUnsafeBytes { Array($0) }
        #expect(try tensor.bytes() == bytes)
        let copy = try bytes.withUnsafeBytes { try Tensor(bytes: $0, shape: shape, dtype: T.dtype) }
        #expect(try copy.scalars(as: T.self) == values)
    }

    @Test func everyDtypeRoundTrips() throws {
        try Self.roundTrip([Float(1.5), -0.0, .infinity, .leastNonzeroMagnitude, 3, 4], shape: [2, 3])
        try Self.roundTrip([Double.pi, -1e300, Double.leastNonzeroMagnitude], shape: [3])
        try Self.roundTrip([Int64.min, Int64.max, 0, -1], shape: [2, 1, 2])
        try Self.roundTrip([Int32.min, Int32.max, 7, -7], shape: [4, 1])
        try Self.roundTrip([UInt8(0), 1, 128, 255], shape: [2, 2])
        try Self.roundTrip([true, false, false, true, true, false], shape: [3, 2])
    }

    @Test func scalarsAndEmptyTensors() throws {
        try Self.roundTrip([Float(2.5)], shape: [])
        try Self.roundTrip([Int64(-3)], shape: [])
        try Self.roundTrip([true], shape: [])
        try Self.roundTrip([Float](), shape: [0])
        try Self.roundTrip([UInt8](), shape: [3, 0, 2])
        try Self.roundTrip([Bool](), shape: [0, 0])

        let scalar = try Tensor(scalar: Int32(9))
        #expect(scalar.shape == [])
        #expect(try scalar.item(as: Int32.self) == 9)
        #expect(throws: TorchError.self) { try Tensor([Float(1), 2]).item(as: Float.self) }
    }

    @Test func scalarsConvertBetweenDtypes() throws {
        let tensor = try Tensor([Float(-1.7), 0.2, 2.9, 255])
        // Conversions truncate toward zero, as C casts and numpy's astype do.
        #expect(try tensor.scalars(as: Int64.self) == [-1, 0, 2, 255])
        #expect(try tensor.scalars(as: Double.self) == [-1.7, 0.2, 2.9, 255].map { Double(Float($0)) })
        #expect(try tensor.scalars(as: Bool.self) == [true, true, true, true])
        #expect(try Tensor([Int32(0), 3]).scalars(as: Bool.self) == [false, true])
    }

    @Test func factoriesHaveRequestedShapeAndDtype() throws {
        let zeros = try Tensor.zeros([2, 3], dtype: .int32)
        #expect(zeros.dtype == .int32)
        #expect(try zeros.scalars(as: Int32.self) == [Int32](repeating: 0, count: 6))
        let ones = try Tensor.ones([4], dtype: .float64)
        #expect(try ones.scalars(as: Double.self) == [1, 1, 1, 1])
        let full = try Tensor.full([2], 7, dtype: .uint8)
        #expect(try full.scalars(as: UInt8.self) == [7, 7])
        #expect(try Tensor.arange(5, 0, step: -2).scalars(as: Int64.self) == [5, 3, 1])
        #expect(try Tensor.arange(0, 3, dtype: .float32).scalars(as: Float.self) == [0, 1, 2])
    }
}

/// Shape, indexing, reduction and elementwise operations against numpy
/// (Tests/Oracles/numpy_tensor_ops.py) on the same inputs.
@Suite struct TensorOpsNumpyTests {
    static func swiftResults(_ a: Tensor, _ b: Tensor, _ mask: Tensor, _ index: Tensor) throws
        -> [String: Tensor]
    {
        let (maxValues, maxIndices) = try a.max(dim: 2)
        return [
            "slice": try a.slice(dim: 1, start: 1, end: 3),
            "slice_step": try a.slice(dim: 2, start: 0, end: 4, step: 2),
            "slice_negative": try a.slice(dim: 2, start: -3, end: -1),
            "select": try a.select(dim: 0, index: 1),
            "select_negative": try a.select(dim: 1, index: -1),
            "cat0": try Tensor.cat([a, b]),
            "cat2": try Tensor.cat([a, b], dim: 2),
            "stack0": try Tensor.stack([a, b]),
            "stack_last": try Tensor.stack([a, b], dim: -1),
            "reshape": try a.reshape([4, 6]),
            "reshape_inferred": try a.reshape([-1, 3]),
            "permute": try a.permute([2, 0, 1]),
            "transpose": try a.transposed(0, 2),
            "transpose_then_reshape": try a.transposed(1, 2).reshape([2, 12]),
            "unsqueeze": try a.unsqueeze(1),
            "squeeze": try a.slice(dim: 1, start: 0, end: 1).squeeze(1),
            "flatten": try a.flatten(from: 1),
            "flip": try a.flip([0, 2]),
            "expand": try a.slice(dim: 1, start: 0, end: 1).expand([2, 3, 4]),
            "repeat": try a.repeated([1, 2, 1]),
            "repeat_interleave": try a.repeatInterleave(2, dim: 1),
            "index_select": try a.indexSelect(dim: 1, index: index),
            "where": try a.replacing(where: mask, with: b),
            "sum_all": try a.sum(),
            "sum_dims": try a.sum(dims: [0, 2]),
            "sum_keepdim": try a.sum(dims: [1], keepDim: true),
            "mean_all": try a.mean(),
            "mean_dims": try a.mean(dims: [1]),
            "max_all": try a.max(),
            "min_all": try a.min(),
            "max_dim_values": maxValues,
            "max_dim_indices": maxIndices,
            "argmax": try a.argmax(dim: 1),
            "matmul": try a.matmul(b.transposed(1, 2)),
            "add": try a + b,
            "sub": try a - b,
            "mul": try a * b,
            "div": try a / b,
            "add_scalar": try a + 2.5,
            "rsub_scalar": try 2.5 - a,
            "div_scalar": try a / 4.0,
            "neg": try -a,
            "pow": try a.pow(2),
            "abs": try a.abs(),
            "exp": try a.exp(),
            "log_abs": try a.abs().log(),
            "sqrt_abs": try a.abs().sqrt(),
            "clamp": try a.clamp(min: -0.5, max: 0.5),
            "clamp_min": try a.clamp(min: 0.1),
            "relu": try a.relu(),
            "leaky_relu": try a.leakyRelu(0.2),
            "sigmoid": try a.sigmoid(),
            "tanh": try a.tanh(),
            "softmax": try a.softmax(dim: 2),
            "log_softmax": try a.logSoftmax(dim: 1),
            "gt": try a.gt(0.2),
            "lt": try a.lt(-0.2),
            "ge": try a.ge(0),
            "eq_tensor": try a.eq(b),
            "to_int64": try (a * 10).to(.int64),
            "to_uint8": try (a * 10).abs().to(.uint8),
            "bool_to_float": try mask.to(.float32),
            "arange": try Tensor.arange(2, 11, step: 3),
            "arange_float": try Tensor.arange(0, 5, dtype: .float32),
        ]
    }

    @Test func opsMatchNumpy() throws {
        let generator = try Generator(seed: 5)
        let a = try Tensor.randn([2, 3, 4], generator: generator)
        // b shares its first row with a, so that eq has true and false elements.
        let b = try Tensor.cat([a.slice(dim: 0, start: 0, end: 1),
                                Tensor.randn([1, 3, 4], generator: generator)])
        let mask = try Tensor.rand([2, 3, 4], generator: generator).gt(0.5)
        let index = try Tensor([Int64(2), 0, 2])

        let folder = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let inputPath = folder + "/inputs.safetensors"
        let outputPath = folder + "/outputs.safetensors"
        try SafeTensors.save([("a", a), ("b", b), ("mask", mask), ("index", index)], to: inputPath)
        _ = try Oracle.run("numpy_tensor_ops.py", [inputPath, outputPath])
        let expected = try SafeTensors.load(outputPath).tensors

        let actual = try Self.swiftResults(a, b, mask, index)
        #expect(Set(actual.keys) == Set(expected.keys))
        for (name, value) in actual.sorted(by: { $0.key < $1.key }) {
            guard let reference = expected[name] else { continue }
            #expect(value.dtype == reference.dtype, "\(name) dtype")
            if value.dtype.isFloatingPoint {
                try expectClose(value, reference, rtol: 1e-5, atol: 1e-6, name)
            } else {
                #expect(value.shape == reference.shape, "\(name) shape")
                let (values, references) = (try value.scalars(as: Int64.self),
                                            try reference.scalars(as: Int64.self))
                #expect(values == references, "\(name) values")
            }
        }
    }
}
