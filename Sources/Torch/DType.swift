import CTorch

/// Element types, numbered as libtorch numbers them.
public enum DType: Int32, Sendable, CaseIterable {
    case uint8 = 0
    case int32 = 3
    case int64 = 4
    case float32 = 6
    case float64 = 7
    case bool = 11

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .uint8, .bool: 1
        case .int32, .float32: 4
        case .int64, .float64: 8
        }
    }

    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
}

/// A compute device.
public enum Device: Equatable, Hashable, Sendable, CustomStringConvertible {
    case cpu
    case cuda(Int)

    /// Parses "cpu", "cuda" or "cuda:N".
    public init?(_ text: String) {
        if text == "cpu" {
            self = .cpu
        } else if text == "cuda" {
            self = .cuda(0)
        } else if text.hasPrefix("cuda:"), let index = Int(text.dropFirst(5)), index >= 0 {
            self = .cuda(index)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .cpu: "cpu"
        case .cuda(let index): "cuda:\(index)"
        }
    }

    var typeCode: Int32 {
        switch self {
        case .cpu: Int32(CT_CPU)
        case .cuda: Int32(CT_CUDA)
        }
    }

    var index: Int32 {
        switch self {
        case .cpu: -1
        case .cuda(let index): Int32(index)
        }
    }
}

/// Swift types that map onto a tensor element type.
public protocol TensorScalar: Sendable {
    static var dtype: DType { get }
    init()
}

extension Float: TensorScalar { public static var dtype: DType { .float32 } }
extension Double: TensorScalar { public static var dtype: DType { .float64 } }
extension Int64: TensorScalar { public static var dtype: DType { .int64 } }
extension Int32: TensorScalar { public static var dtype: DType { .int32 } }
extension UInt8: TensorScalar { public static var dtype: DType { .uint8 } }
extension Bool: TensorScalar { public static var dtype: DType { .bool } }
