import Foundation
import Testing
@testable import Torch

/// libtorch failures surface as thrown TorchErrors that carry libtorch's own message, and the
/// process carries on.
@Suite struct ErrorTests {
    @Test func matmulShapeMismatchCarriesLibtorchMessage() throws {
        let a = try Tensor([Float](repeating: 1, count: 6), shape: [2, 3])
        let b = try Tensor([Float](repeating: 1, count: 20), shape: [4, 5])
        let error = try #require(throws: TorchError.self) { try a.matmul(b) }
        #expect(error.message.contains("shapes cannot be multiplied"))
        #expect(error.message.contains("2x3 and 4x5"))
        #expect(error.message.hasPrefix("aten::matmul"))
    }

    @Test func missingTorchScriptFileCarriesLibtorchMessage() throws {
        let path = "/nonexistent/gda/model.pt"
        let error = try #require(throws: TorchError.self) { try ScriptModule(contentsOf: path) }
        #expect(error.message.contains("cannot load TorchScript file \(path)"))
        // libtorch's own words from its file reader.
        #expect(error.message.contains("open file failed"))
    }

    @Test func wrongLabelDtypeThrowsAndProcessSurvives() throws {
        let logits = try Tensor([Float](repeating: 0.5, count: 6), shape: [2, 3])
        let floatLabels = try Tensor([Float(0), 2])
        let error = try #require(throws: TorchError.self) { try crossEntropy(logits, floatLabels) }
        #expect(error.message.contains("aten::cross_entropy_loss"))
        #expect(error.message.contains("Float"))

        let loss = try crossEntropy(logits, try Tensor([Int64(0), 2]))
        #expect(Swift.abs(try loss.item(as: Float.self) - Float(log(3.0))) < 1e-6)
    }

    @Test func tooManyArgumentsThrows() throws {
        let x = try Tensor([Float(-1), 2])
        let error = try #require(throws: TorchError.self) {
            try Ops.relu.call([.tensor(x), .int(1)])
        }
        #expect(error.message == "aten::relu: expects at most 1 arguments, given 2")
    }

    @Test func missingRequiredArgumentThrows() throws {
        let error = try #require(throws: TorchError.self) { try Ops.matmul.call([]) }
        #expect(error.message == "aten::matmul: argument 1 'self' is required")
    }

    /// Arguments of the wrong kind are rejected with the schema's type before the kernel runs,
    /// instead of surfacing as libtorch internal asserts that ask to report a PyTorch bug.
    @Test(arguments: ["matmul", "reshape", "cat", "zeros", "randn"])
    func wrongArgumentKindThrows(_ name: String) throws {
        let x = try Tensor([Float(1)])
        let (op, arguments, message): (Op, [Arg], String) = switch name {
        case "matmul": (Ops.matmul, [.int(1), .int(2)], "argument 1 'self' expects Tensor, given int")
        case "reshape":
            (Ops.reshape, [.tensor(x), .double(1)], "argument 2 'shape' expects SymInt[], given float")
        case "cat": (Ops.cat, [.int(3)], "argument 1 'tensors' expects Tensor[], given int")
        case "zeros":
            (Ops.zeros, [.ints([2]), .string("float")],
             "argument 2 'dtype' expects ScalarType?, given str")
        default:
            (Ops.randn, [.ints([2]), .tensor(x)],
             "argument 2 'generator' expects Generator?, given Tensor")
        }
        let error = try #require(throws: TorchError.self) { try op.call(arguments) }
        #expect(error.message.hasSuffix(message), "\(error.message)")
        #expect(!error.message.contains("INTERNAL ASSERT"))
    }

    @Test func tensorFromArrayRejectsBadShapes() throws {
        #expect(throws: TorchError.self) { try Tensor([Float(1), 2, 3], shape: [2, 2]) }
        #expect(throws: TorchError.self) { try Tensor([Float](), shape: [-1, 0]) }
        // The element count overflows Int: an error, not a trap.
        #expect(throws: TorchError.self) { try Tensor([Float](), shape: [1 << 62, 8]) }
    }

    @Test func generatorRejectsForeignState() throws {
        let generator = try Generator(seed: 1)
        let error = try #require(throws: TorchError.self) {
            try generator.setState(try Tensor([UInt8](repeating: 0, count: 10)))
        }
        #expect(error.message.contains("cannot restore generator state"))
    }
}

/// The last-error message is per thread: failures on one thread never show up on another.
@Suite struct ThreadErrorTests {
    @Test func errorsStayOnTheirThread() throws {
        let threads = 6
        let rounds = 100
        let mismatches = Locked(0)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            guard let x = try? Tensor([Float](repeating: 1, count: 4)) else {
                mismatches.withLock { $0 += 1 }
                return
            }
            for round in 0..<rounds {
                // A size unique to this thread appears in libtorch's message.
                let size = 5 + thread
                do {
                    _ = try x.reshape([size])
                    mismatches.withLock { $0 += 1 }
                } catch let error as TorchError {
                    if !error.message.contains("shape '[\(size)]' is invalid") {
                        mismatches.withLock { $0 += 1 }
                    }
                } catch {
                    mismatches.withLock { $0 += 1 }
                }
                // A success clears this thread's message, whatever other threads do.
                if (try? x.reshape([2, 2])) == nil || !TorchError.last().message.isEmpty {
                    mismatches.withLock { $0 += 1 }
                }
                if round % 10 == 0 { usleep(10) }
            }
        }
        #expect(mismatches.withLock { $0 } == 0)
    }

    @Test func gradModeIsPerThread() throws {
        let otherRecorded = Locked<Bool?>(nil)
        let done = DispatchSemaphore(value: 0)
        try withNoGrad {
            // Another thread, started while this one has recording off.
            Thread {
                let recorded = try? (Tensor([Float(1), 2]).requiringGrad() * 2).requiresGrad
                otherRecorded.withLock { $0 = recorded }
                done.signal()
            }.start()
            done.wait()
            let recorded = try (Tensor([Float(1), 2]).requiringGrad() * 2).requiresGrad
            #expect(!recorded)
        }
        #expect(otherRecorded.withLock { $0 } == true)
    }
}

/// A value shared between threads behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Handles are released: many ops on megabyte tensors must not grow the resident set by
/// anything near what they allocate.
@Suite struct HandleLeakTests {
    /// Returns the resident set size in bytes, read from /proc/self/statm.
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
            return nil
        }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func churn(_ rounds: Int) throws {
        let generator = try Generator(seed: 3)
        let layer = try Linear(256, 256, generator: generator)
        for _ in 0..<rounds {
            // About 1 MB per tensor, through every path that creates handles.
            let x = try Tensor.randn([1024, 256], generator: generator).requiringGrad()
            let y = try layer(x + 1.0).relu()
            try y.sum().backward()
            _ = try x.grad?.sum().item(as: Float.self)
            layer.zeroGrad()
            let (values, indices) = try y.max(dim: 1)
            _ = try Tensor.cat([values, try indices.to(.float32)])
            _ = try Tensor([Float](repeating: 0, count: 256 * 1024))
            _ = try generator.state()
            _ = try? x.reshape([7])
        }
    }

    @Test func opsReleaseTheirTensors() throws {
        try Self.churn(5)
        guard let before = Self.residentBytes() else { return }
        try Self.churn(60)
        let after = try #require(Self.residentBytes())
        // A leak of the results would hold at least 60 × 6 MB.
        #expect(after - before < 120 << 20, "resident set grew by \((after - before) >> 20) MB")
    }
}

/// Out-of-range indices reach libtorch's bounds checks and throw.
@Suite struct IndexErrorTests {
    @Test func embeddingIndexOutOfRangeThrows() throws {
        let embedding = try Embedding(3, 2, generator: try Generator(seed: 1))
        let error = try #require(throws: TorchError.self) {
            try embedding(try Tensor([Int64(0), 3]))
        }
        #expect(error.message.contains("out of range"))
    }

    @Test func crossEntropyLabelOutOfRangeThrows() throws {
        let logits = try Tensor.zeros([2, 3])
        let error = try #require(throws: TorchError.self) {
            try crossEntropy(logits, try Tensor([Int64(0), 5]))
        }
        #expect(error.message.contains("out of bounds"))
    }

    @Test func loadStateDictNamesMismatches() throws {
        let layer = try Linear(2, 3, generator: try Generator(seed: 1))
        let missing = try #require(throws: TorchError.self) {
            try layer.loadStateDict(["weight": try Tensor.zeros([3, 2])], strict: true)
        }
        #expect(missing.message.contains("missing [\"bias\"]"))
        let wrongShape = try #require(throws: TorchError.self) {
            try layer.loadStateDict(["weight": try Tensor.zeros([2, 3]), "bias": try Tensor.zeros([3])])
        }
        #expect(wrongShape.message.contains("'weight' has shape [2, 3]"))
    }
}

/// Operators return at most 16 tensors through `Op`; more is an error that says so.
@Suite struct ResultCountTests {
    @Test func tooManyResultsThrow() throws {
        let unbind = Op("aten::unbind", "int")
        #expect(try unbind.all(.tensor(try Tensor.zeros([16, 2])), .int(0)).count == 16)
        let error = try #require(throws: TorchError.self) {
            try unbind.all(.tensor(try Tensor.zeros([17, 2])), .int(0))
        }
        #expect(error.message.contains("returned 17 tensors, more than the 16"))
    }
}
