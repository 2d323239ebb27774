// Tensor operations, each one ATen operator called through the dispatcher.

enum Ops {
    static let add = Op("aten::add", "Tensor")
    static let addScalar = Op("aten::add", "Scalar")
    static let sub = Op("aten::sub", "Tensor")
    static let subScalar = Op("aten::sub", "Scalar")
    static let rsubScalar = Op("aten::rsub", "Scalar")
    static let mul = Op("aten::mul", "Tensor")
    static let mulScalar = Op("aten::mul", "Scalar")
    static let div = Op("aten::div", "Tensor")
    static let divScalar = Op("aten::div", "Scalar")
    static let neg = Op("aten::neg")
    static let matmul = Op("aten::matmul")
    static let sum = Op("aten::sum")
    static let sumDim = Op("aten::sum", "dim_IntList")
    static let mean = Op("aten::mean")
    static let meanDim = Op("aten::mean", "dim")
    static let maxAll = Op("aten::max")
    static let minAll = Op("aten::min")
    static let maxDim = Op("aten::max", "dim")
    static let argmax = Op("aten::argmax")
    static let reshape = Op("aten::reshape")
    static let permute = Op("aten::permute")
    static let transpose = Op("aten::transpose", "int")
    static let unsqueeze = Op("aten::unsqueeze")
    static let squeezeDim = Op("aten::squeeze", "dim")
    static let slice = Op("aten::slice", "Tensor")
    static let select = Op("aten::select", "int")
    static let indexSelect = Op("aten::index_select")
    static let index = Op("aten::index", "Tensor")
    static let cat = Op("aten::cat")
    static let stack = Op("aten::stack")
    static let contiguous = Op("aten::contiguous")
    static let clone = Op("aten::clone")
    static let detach = Op("aten::detach")
    static let exp = Op("aten::exp")
    static let log = Op("aten::log")
    static let sqrt = Op("aten::sqrt")
    static let abs = Op("aten::abs")
    static let powScalar = Op("aten::pow", "Tensor_Scalar")
    static let clamp = Op("aten::clamp")
    static let relu = Op("aten::relu")
    static let sigmoid = Op("aten::sigmoid")
    static let tanh = Op("aten::tanh")
    static let leakyRelu = Op("aten::leaky_relu")
    static let softmax = Op("aten::softmax", "int")
    static let logSoftmax = Op("aten::log_softmax", "int")
    static let eq = Op("aten::eq", "Tensor")
    static let eqScalar = Op("aten::eq", "Scalar")
    static let gtScalar = Op("aten::gt", "Scalar")
    static let ltScalar = Op("aten::lt", "Scalar")
    static let geScalar = Op("aten::ge", "Scalar")
    static let whereSelf = Op("aten::where", "self")
    static let flip = Op("aten::flip")
    static let zeros = Op("aten::zeros")
    static let ones = Op("aten::ones")
    static let full = Op("aten::full")
    static let arange = Op("aten::arange", "start_step")
    static let randn = Op("aten::randn", "generator")
    static let rand = Op("aten::rand", "generator")
    static let randint = Op("aten::randint", "low_generator")
    static let randperm = Op("aten::randperm", "generator")
    static let normal_ = Op("aten::normal_")
    static let uniform_ = Op("aten::uniform_")
    static let fill_ = Op("aten::fill_", "Scalar")
    static let zero_ = Op("aten::zero_")
    static let repeatInterleave = Op("aten::repeat_interleave", "self_int")
    static let expand = Op("aten::expand")
    static let repeatOp = Op("aten::repeat")
    static let toDType = Op("aten::to", "dtype")
    static let nonzero = Op("aten::nonzero")
    static let isfinite = Op("aten::isfinite")
    static let allOp = Op("aten::all")
    static let bincount = Op("aten::bincount")
    static let sort = Op("aten::sort")
    static let topk = Op("aten::topk")
}

// MARK: - Arithmetic

extension Tensor {
    public static func + (lhs: Tensor, rhs: Tensor) throws -> Tensor { try Ops.add(.tensor(lhs), .tensor(rhs)) }
    public static func - (lhs: Tensor, rhs: Tensor) throws -> Tensor { try Ops.sub(.tensor(lhs), .tensor(rhs)) }
    public static func * (lhs: Tensor, rhs: Tensor) throws -> Tensor { try Ops.mul(.tensor(lhs), .tensor(rhs)) }
    public static func / (lhs: Tensor, rhs: Tensor) throws -> Tensor { try Ops.div(.tensor(lhs), .tensor(rhs)) }
    public static func + (lhs: Tensor, rhs: Double) throws -> Tensor { try Ops.addScalar(.tensor(lhs), .double(rhs)) }
    public static func - (lhs: Tensor, rhs: Double) throws -> Tensor { try Ops.subScalar(.tensor(lhs), .double(rhs)) }
    public static func * (lhs: Tensor, rhs: Double) throws -> Tensor { try Ops.mulScalar(.tensor(lhs), .double(rhs)) }
    public static func / (lhs: Tensor, rhs: Double) throws -> Tensor { try Ops.divScalar(.tensor(lhs), .double(rhs)) }
    public static func + (lhs: Double, rhs: Tensor) throws -> Tensor { try rhs + lhs }
    public static func * (lhs: Double, rhs: Tensor) throws -> Tensor { try rhs * lhs }
    public static func - (lhs: Double, rhs: Tensor) throws -> Tensor { try Ops.rsubScalar(.tensor(rhs), .double(lhs)) }
    public static prefix func - (operand: Tensor) throws -> Tensor { try Ops.neg(.tensor(operand)) }

    public func matmul(_ other: Tensor) throws -> Tensor { try Ops.matmul(.tensor(self), .tensor(other)) }
    public func exp() throws -> Tensor { try Ops.exp(.tensor(self)) }
    public func log() throws -> Tensor { try Ops.log(.tensor(self)) }
    public func sqrt() throws -> Tensor { try Ops.sqrt(.tensor(self)) }
    public func abs() throws -> Tensor { try Ops.abs(.tensor(self)) }
    public func pow(_ exponent: Double) throws -> Tensor { try Ops.powScalar(.tensor(self), .double(exponent)) }

    public func clamp(min: Double? = nil, max: Double? = nil) throws -> Tensor {
        try Ops.clamp(.tensor(self), min.map { .double($0) } ?? .none, max.map { .double($0) } ?? .none)
    }
}

// MARK: - Reductions

extension Tensor {
    public func sum() throws -> Tensor { try Ops.sum(.tensor(self)) }
    public func sum(dims: [Int], keepDim: Bool = false) throws -> Tensor {
        try Ops.sumDim(.tensor(self), .ints(dims), .bool(keepDim))
    }
    public func mean() throws -> Tensor { try Ops.mean(.tensor(self)) }
    public func mean(dims: [Int], keepDim: Bool = false) throws -> Tensor {
        try Ops.meanDim(.tensor(self), .ints(dims), .bool(keepDim))
    }
    public func max() throws -> Tensor { try Ops.maxAll(.tensor(self)) }
    public func min() throws -> Tensor { try Ops.minAll(.tensor(self)) }
    /// The maximum along `dim` and its index.
    public func max(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let results = try Ops.maxDim.call([.tensor(self), .int(dim), .bool(keepDim)])
        return (results[0], results[1])
    }
    public func argmax(dim: Int, keepDim: Bool = false) throws -> Tensor {
        try Ops.argmax(.tensor(self), .int(dim), .bool(keepDim))
    }
    /// Whether every element is finite.
    public func allFinite() throws -> Bool {
        try Ops.allOp(.tensor(try Ops.isfinite(.tensor(self)))).item(as: Bool.self)
    }
}

// MARK: - Shapes and indexing

extension Tensor {
    public func reshape(_ shape: [Int]) throws -> Tensor { try Ops.reshape(.tensor(self), .ints(shape)) }
    public func permute(_ dims: [Int]) throws -> Tensor { try Ops.permute(.tensor(self), .ints(dims)) }
    public func transposed(_ dim0: Int, _ dim1: Int) throws -> Tensor {
        try Ops.transpose(.tensor(self), .int(dim0), .int(dim1))
    }
    public func unsqueeze(_ dim: Int) throws -> Tensor { try Ops.unsqueeze(.tensor(self), .int(dim)) }
    public func squeeze(_ dim: Int) throws -> Tensor { try Ops.squeezeDim(.tensor(self), .int(dim)) }
    public func flatten(from start: Int = 1) throws -> Tensor {
        let shape = self.shape
        return try reshape(Array(shape[..<start]) + [shape[start...].reduce(1, *)])
    }
    /// Elements `start..<end` along `dim` (a view).
    public func slice(dim: Int, start: Int, end: Int, step: Int = 1) throws -> Tensor {
        try Ops.slice(.tensor(self), .int(dim), .int(start), .int(end), .int(step))
    }
    public func select(dim: Int, index: Int) throws -> Tensor {
        try Ops.select(.tensor(self), .int(dim), .int(index))
    }
    public func indexSelect(dim: Int, index: Tensor) throws -> Tensor {
        try Ops.indexSelect(.tensor(self), .int(dim), .tensor(index))
    }
    /// Rows of the first dimension picked by an int64 index tensor.
    public func rows(_ index: Tensor) throws -> Tensor { try indexSelect(dim: 0, index: index) }
    public func expand(_ shape: [Int]) throws -> Tensor { try Ops.expand(.tensor(self), .ints(shape)) }
    public func repeated(_ counts: [Int]) throws -> Tensor { try Ops.repeatOp(.tensor(self), .ints(counts)) }
    public func repeatInterleave(_ repeats: Int, dim: Int) throws -> Tensor {
        try Ops.repeatInterleave(.tensor(self), .int(repeats), .int(dim))
    }
    public func flip(_ dims: [Int]) throws -> Tensor { try Ops.flip(.tensor(self), .ints(dims)) }
    public func contiguous() throws -> Tensor { try Ops.contiguous(.tensor(self)) }
    public func clone() throws -> Tensor { try Ops.clone(.tensor(self)) }
    /// The same values outside the autograd graph.
    public func detach() throws -> Tensor { try Ops.detach(.tensor(self)) }

    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        try Ops.cat(.tensors(tensors), .int(dim))
    }
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        try Ops.stack(.tensors(tensors), .int(dim))
    }
}

// MARK: - Activations and comparisons

extension Tensor {
    public func relu() throws -> Tensor { try Ops.relu(.tensor(self)) }
    public func sigmoid() throws -> Tensor { try Ops.sigmoid(.tensor(self)) }
    public func tanh() throws -> Tensor { try Ops.tanh(.tensor(self)) }
    public func leakyRelu(_ slope: Double = 0.01) throws -> Tensor {
        try Ops.leakyRelu(.tensor(self), .double(slope))
    }
    public func softmax(dim: Int) throws -> Tensor { try Ops.softmax(.tensor(self), .int(dim), .none) }
    public func logSoftmax(dim: Int) throws -> Tensor { try Ops.logSoftmax(.tensor(self), .int(dim), .none) }

    public func eq(_ other: Tensor) throws -> Tensor { try Ops.eq(.tensor(self), .tensor(other)) }
    public func eq(_ value: Double) throws -> Tensor { try Ops.eqScalar(.tensor(self), .double(value)) }
    public func gt(_ value: Double) throws -> Tensor { try Ops.gtScalar(.tensor(self), .double(value)) }
    public func lt(_ value: Double) throws -> Tensor { try Ops.ltScalar(.tensor(self), .double(value)) }
    public func ge(_ value: Double) throws -> Tensor { try Ops.geScalar(.tensor(self), .double(value)) }
    /// Returns `other` where `condition` holds and `self` elsewhere, as
    /// `torch.where(condition, other, self)` does.
    public func replacing(where condition: Tensor, with other: Tensor) throws -> Tensor {
        try Ops.whereSelf(.tensor(condition), .tensor(other), .tensor(self))
    }
}

// MARK: - Factories

extension Tensor {
    public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try Ops.zeros(.ints(shape), .dtype(dtype), .none, .device(device))
    }
    public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try Ops.ones(.ints(shape), .dtype(dtype), .none, .device(device))
    }
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32,
                            device: Device = .cpu) throws -> Tensor {
        try Ops.full(.ints(shape), .double(value), .dtype(dtype), .none, .device(device))
    }
    /// `start, start + step, ...` below `end`.
    public static func arange(_ start: Int, _ end: Int, step: Int = 1, dtype: DType = .int64,
                              device: Device = .cpu) throws -> Tensor {
        try Ops.arange(.int(start), .int(end), .int(step), .dtype(dtype), .none, .device(device))
    }
    /// Standard normal samples drawn from `generator`.
    public static func randn(_ shape: [Int], generator: Generator?, dtype: DType = .float32,
                             device: Device = .cpu) throws -> Tensor {
        try Ops.randn(.ints(shape), .generator(generator), .dtype(dtype), .none, .device(device))
    }
    /// Uniform samples in [0, 1) drawn from `generator`.
    public static func rand(_ shape: [Int], generator: Generator?, dtype: DType = .float32,
                            device: Device = .cpu) throws -> Tensor {
        try Ops.rand(.ints(shape), .generator(generator), .dtype(dtype), .none, .device(device))
    }
    /// Integers in `low..<high` drawn from `generator`.
    public static func randint(_ low: Int, _ high: Int, shape: [Int], generator: Generator?,
                               device: Device = .cpu) throws -> Tensor {
        try Ops.randint(.int(low), .int(high), .ints(shape), .generator(generator), .dtype(.int64),
                        .none, .device(device))
    }
    /// A random permutation of `0..<count` drawn from `generator`.
    public static func randperm(_ count: Int, generator: Generator?, device: Device = .cpu) throws -> Tensor {
        try Ops.randperm(.int(count), .generator(generator), .dtype(.int64), .none, .device(device))
    }
}

// MARK: - In-place updates (outside autograd)

extension Tensor {
    /// Fills with N(mean, std²) samples drawn from `generator`.
    public func normal_(mean: Double = 0, std: Double = 1, generator: Generator?) throws {
        try withNoGrad { _ = try Ops.normal_(.tensor(self), .double(mean), .double(std), .generator(generator)) }
    }
    /// Fills with U(low, high) samples drawn from `generator`.
    public func uniform_(_ low: Double, _ high: Double, generator: Generator?) throws {
        try withNoGrad { _ = try Ops.uniform_(.tensor(self), .double(low), .double(high), .generator(generator)) }
    }
    public func fill_(_ value: Double) throws {
        try withNoGrad { _ = try Ops.fill_(.tensor(self), .double(value)) }
    }
    public func zero_() throws {
        try withNoGrad { _ = try Ops.zero_(.tensor(self)) }
    }
}
