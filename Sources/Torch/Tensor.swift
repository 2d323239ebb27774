import CTorch

/// A libtorch tensor. Copies of a `Tensor` reference the same storage and autograd node;
/// the handle is released when the last reference goes away.
public final class Tensor: @unchecked Sendable {
    let handle: ct_tensor

    init(handle: ct_tensor) {
        self.handle = handle
    }

    deinit {
        ct_tensor_free(handle)
    }

    /// Copies `values` (row-major) into a new CPU tensor of the given shape.
    public convenience init<T: TensorScalar>(_ values: [T], shape: [Int]) throws {
        guard let count = Self.elementCount(shape) else {
            throw TorchError("shape \(shape) has a negative dimension or too many elements")
        }
        guard count == values.count else {
            throw TorchError("shape \(shape) needs \(count) values, given \(values.count)")
        }
        let sizes = shape.map(Int64.init)
        let handle = values.withUnsafeBytes { bytes in
            sizes.withUnsafeBufferPointer { dims in
                ct_tensor_from_data(bytes.baseAddress, dims.baseAddress, Int32(dims.count),
                                    T.dtype.rawValue)
            }
        }
        guard let handle else { throw TorchError.last() }
        self.init(handle: handle)
    }

    /// A one-dimensional tensor of `values`.
    public convenience init<T: TensorScalar>(_ values: [T]) throws {
        try self.init(values, shape: [values.count])
    }

    /// A zero-dimensional tensor.
    public convenience init<T: TensorScalar>(scalar: T) throws {
        try self.init([scalar], shape: [])
    }

    /// Copies raw little-endian bytes into a new CPU tensor.
    public convenience init(bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType) throws {
        guard let count = Self.elementCount(shape),
              case let (size, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize),
              !overflow
        else {
            throw TorchError("shape \(shape) has a negative dimension or too many elements")
        }
        guard size == bytes.count else {
            throw TorchError("shape \(shape) of \(dtype) needs \(size) bytes, given \(bytes.count)")
        }
        let sizes = shape.map(Int64.init)
        let handle = sizes.withUnsafeBufferPointer { dims in
            ct_tensor_from_data(bytes.baseAddress, dims.baseAddress, Int32(dims.count),
                                dtype.rawValue)
        }
        guard let handle else { throw TorchError.last() }
        self.init(handle: handle)
    }

    /// Returns the number of elements of `shape`, or nil when a dimension is negative or the
    /// product overflows `Int`.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for size in shape {
            guard size >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    // MARK: - Properties

    public var rank: Int { Int(ct_tensor_ndim(handle)) }

    public var shape: [Int] {
        var sizes = [Int64](repeating: 0, count: rank)
        _ = sizes.withUnsafeMutableBufferPointer { ct_tensor_shape(handle, $0.baseAddress) }
        return sizes.map(Int.init)
    }

    public var count: Int { Int(ct_tensor_numel(handle)) }

    // NOTE: a dtype outside `DType` (float16 from a TorchScript module, for example) reads as
    // .float32, and bytes() and scalars() then return the values converted to float32.
    public var dtype: DType { DType(rawValue: ct_tensor_dtype(handle)) ?? .float32 }

    public var device: Device {
        ct_tensor_device_type(handle) == Int32(CT_CUDA)
            ? .cuda(Swift.max(0, Int(ct_tensor_device_index(handle)))) : .cpu
    }

    // MARK: - Reading values

    /// The elements, converted to `T`, in row-major order.
    public func scalars<T: TensorScalar>(as type: T.Type = T.self) throws -> [T] {
        var values = [T](repeating: T(), count: count)
        let byteCount = count * T.dtype.byteSize
        try values.withUnsafeMutableBytes { buffer in
            try check(ct_tensor_copy_out(handle, T.dtype.rawValue, buffer.baseAddress, byteCount))
        }
        return values
    }

    /// The elements' raw bytes in the tensor's own dtype, row-major.
    public func bytes() throws -> [UInt8] {
        var values = [UInt8](repeating: 0, count: count * dtype.byteSize)
        let byteCount = values.count
        let type = dtype.rawValue
        try values.withUnsafeMutableBytes { buffer in
            try check(ct_tensor_copy_out(handle, type, buffer.baseAddress, byteCount))
        }
        return values
    }

    /// The single element of a one-element tensor.
    public func item<T: TensorScalar>(as type: T.Type = T.self) throws -> T {
        guard count == 1 else { throw TorchError("item() of a tensor with \(count) elements") }
        return try scalars(as: T.self)[0]
    }

    // MARK: - Copies and conversions

    /// Overwrites the elements in place with `source`, outside autograd.
    public func assign(_ source: Tensor) throws {
        try check(ct_tensor_assign(handle, source.handle))
    }

    public func to(_ device: Device, dtype: DType? = nil) throws -> Tensor {
        guard let result = ct_tensor_to(handle, device.typeCode, device.index,
                                        (dtype ?? self.dtype).rawValue)
        else { throw TorchError.last() }
        return Tensor(handle: result)
    }

    public func to(_ dtype: DType) throws -> Tensor {
        try to(device, dtype: dtype)
    }

    // MARK: - Autograd

    public var requiresGrad: Bool { ct_tensor_requires_grad(handle) == 1 }

    /// Marks the tensor as a leaf whose gradient autograd accumulates.
    @discardableResult
    public func requiringGrad(_ on: Bool = true) throws -> Tensor {
        try check(ct_tensor_set_requires_grad(handle, on ? 1 : 0))
        return self
    }

    /// The accumulated gradient, or nil.
    public var grad: Tensor? {
        get {
            ct_tensor_grad(handle).map { Tensor(handle: $0) }
        }
        set {
            _ = ct_tensor_set_grad(handle, newValue?.handle)
        }
    }

    /// Back-propagates from this tensor; `gradient` may be nil for a scalar.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        try check(ct_tensor_backward(handle, gradient?.handle, retainGraph ? 1 : 0))
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        "Tensor(shape: \(shape), dtype: \(dtype), device: \(device))"
    }
}
