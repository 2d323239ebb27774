import CTorch
import Foundation

/// An ATen operator, found once by its schema name and called through libtorch's dispatcher.
public struct Op: @unchecked Sendable {
    let pointer: ct_op
    public let name: String

    /// Looks up an operator such as `Op("aten::add", "Tensor")`. A name missing from libtorch
    /// is a programming error and stops the program.
    public init(_ name: String, _ overload: String = "") {
        guard let pointer = ct_op_find(name, overload) else {
            preconditionFailure("libtorch has no operator \(name).\(overload)")
        }
        self.pointer = pointer
        self.name = overload.isEmpty ? name : "\(name).\(overload)"
    }

    /// Calls the operator; returns its tensor results in order.
    @discardableResult
    public func call(_ arguments: [Arg]) throws -> [Tensor] {
        var args: [ct_arg] = []
        var ints: [Int64] = []
        var doubles: [Double] = []
        var handles: [UnsafeMutableRawPointer?] = []
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        args.reserveCapacity(arguments.count)

        for argument in arguments {
            var arg = ct_arg()
            switch argument {
            case .default:
                arg.kind = Int32(CT_ARG_DEFAULT)
            case .none:
                arg.kind = Int32(CT_ARG_NONE)
            case .tensor(let tensor):
                arg.kind = Int32(CT_ARG_TENSOR)
                arg.ref = Int64(handles.count)
                handles.append(UnsafeMutableRawPointer(tensor.handle))
            case .int(let value):
                arg.kind = Int32(CT_ARG_INT)
                arg.i = Int64(value)
            case .double(let value):
                arg.kind = Int32(CT_ARG_DOUBLE)
                arg.d = value
            case .bool(let value):
                arg.kind = Int32(CT_ARG_BOOL)
                arg.i = value ? 1 : 0
            case .ints(let values):
                arg.kind = Int32(CT_ARG_INTS)
                arg.ref = Int64(ints.count)
                arg.count = Int32(values.count)
                ints.append(contentsOf: values.map(Int64.init))
            case .doubles(let values):
                arg.kind = Int32(CT_ARG_DOUBLES)
                arg.ref = Int64(doubles.count)
                arg.count = Int32(values.count)
                doubles.append(contentsOf: values)
            case .tensors(let tensors):
                arg.kind = Int32(CT_ARG_TENSORS)
                arg.ref = Int64(handles.count)
                arg.count = Int32(tensors.count)
                handles.append(contentsOf: tensors.map { UnsafeMutableRawPointer($0.handle) })
            case .optionalTensors(let tensors):
                arg.kind = Int32(CT_ARG_OPT_TENSORS)
                arg.ref = Int64(handles.count)
                arg.count = Int32(tensors.count)
                handles.append(contentsOf: tensors.map { $0.map { UnsafeMutableRawPointer($0.handle) } })
            case .generator(let generator):
                arg.kind = Int32(CT_ARG_GENERATOR)
                arg.ref = Int64(handles.count)
                handles.append(generator.map { UnsafeMutableRawPointer($0.handle) })
            case .device(let device):
                arg.kind = Int32(CT_ARG_DEVICE)
                arg.i = Int64(device.typeCode)
                arg.count = device.index
            case .dtype(let dtype):
                arg.kind = Int32(CT_ARG_INT)
                arg.i = Int64(dtype.rawValue)
            case .string(let value):
                arg.kind = Int32(CT_ARG_STRING)
                let copy = strdup(value)!
                strings.append(copy)
                arg.s = UnsafePointer(copy)
            }
            args.append(arg)
        }

        // NOTE: an operator that returns more than 16 tensors (unbind of a long dimension, for
        // example) fails with an error that says so.
        var outs = [ct_tensor?](repeating: nil, count: 16)
        let produced = withExtendedLifetime(arguments) {
            args.withUnsafeBufferPointer { argBuffer in
                ints.withUnsafeBufferPointer { intBuffer in
                    doubles.withUnsafeBufferPointer { doubleBuffer in
                        handles.withUnsafeBufferPointer { handleBuffer in
                            outs.withUnsafeMutableBufferPointer { outBuffer in
                                ct_op_call(pointer, argBuffer.baseAddress, Int32(argBuffer.count),
                                           intBuffer.baseAddress, doubleBuffer.baseAddress,
                                           handleBuffer.baseAddress, outBuffer.baseAddress,
                                           Int32(outBuffer.count))
                            }
                        }
                    }
                }
            }
        }
        if produced < 0 { throw TorchError.last(name) }
        return outs.prefix(Int(produced)).compactMap { $0.map { Tensor(handle: $0) } }
    }

    /// Calls the operator and returns its first tensor result.
    public func callAsFunction(_ arguments: Arg...) throws -> Tensor {
        let results = try call(arguments)
        guard let first = results.first else { throw TorchError("\(name) returned no tensor") }
        return first
    }

    /// Calls the operator and returns all its tensor results.
    public func all(_ arguments: Arg...) throws -> [Tensor] {
        try call(arguments)
    }
}

/// One positional operator argument.
public enum Arg {
    /// The schema's default value.
    case `default`
    /// None, for an optional argument.
    case none
    case tensor(Tensor)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case ints([Int])
    case doubles([Double])
    case tensors([Tensor])
    case optionalTensors([Tensor?])
    case generator(Generator?)
    case device(Device)
    case dtype(DType)
    case string(String)
}

extension Arg: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral {
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
