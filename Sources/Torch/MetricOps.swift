// Tensor operations the metrics need: symmetric eigendecompositions, order statistics,
// comparisons between tensors and reductions along a dimension.

enum MetricOps {
    static let linalgEigh = Op("aten::linalg_eigh")
    static let linalgEigvalsh = Op("aten::linalg_eigvalsh")
    static let kthvalue = Op("aten::kthvalue")
    static let minDim = Op("aten::min", "dim")
    static let diagonal = Op("aten::diagonal")
    static let trace = Op("aten::trace")
    static let addmm = Op("aten::addmm")
    static let addmm_ = Op("aten::addmm_")
    static let xlogy = Op("aten::xlogy", "Tensor")
    static let le = Op("aten::le", "Tensor")
    static let lt = Op("aten::lt", "Tensor")
    static let anyDim = Op("aten::any", "dim")
    static let sumDimDType = Op("aten::sum", "dim_IntList")
}

// MARK: - Linear algebra

extension Tensor {
    /// Eigenvalues in ascending order and orthonormal eigenvectors (as columns) of a
    /// symmetric or Hermitian matrix, reading only its lower triangle (`linalg.eigh`).
    public func symmetricEigen() throws -> (eigenvalues: Tensor, eigenvectors: Tensor) {
        let results = try MetricOps.linalgEigh.call([.tensor(self), .string("L")])
        guard results.count == 2 else {
            throw TorchError("aten::linalg_eigh returned \(results.count) tensors, expected 2")
        }
        return (results[0], results[1])
    }

    /// Eigenvalues in ascending order of a symmetric or Hermitian matrix, reading only its
    /// lower triangle (`linalg.eigvalsh`).
    public func symmetricEigenvalues() throws -> Tensor {
        try MetricOps.linalgEigvalsh(.tensor(self), .string("L"))
    }

    /// The main diagonal of a matrix (a view).
    public func diagonal() throws -> Tensor {
        try MetricOps.diagonal(.tensor(self), .int(0), .int(0), .int(1))
    }

    /// Returns `self + a·b` for matrices, in one BLAS call.
    public func addingMatmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try MetricOps.addmm(.tensor(self), .tensor(a), .tensor(b), .double(1), .double(1))
    }

    /// Adds `a·b` to this matrix in place, outside autograd, in one BLAS call.
    public func addMatmul_(_ a: Tensor, _ b: Tensor) throws {
        try withNoGrad { _ = try MetricOps.addmm_(.tensor(self), .tensor(a), .tensor(b), .double(1), .double(1)) }
    }

    /// The sum of a matrix's main diagonal, as a zero-dimensional tensor.
    public func trace() throws -> Tensor {
        try MetricOps.trace(.tensor(self))
    }
}

// MARK: - Order statistics and reductions

extension Tensor {
    /// Returns the `k`-th smallest element (1-based) along `dim`, and its index.
    public func kthValue(_ k: Int, dim: Int, keepDim: Bool = false) throws
        -> (values: Tensor, indices: Tensor)
    {
        let results = try MetricOps.kthvalue.call([.tensor(self), .int(k), .int(dim), .bool(keepDim)])
        return (results[0], results[1])
    }

    /// Returns the minimum along `dim` and its index.
    public func min(dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        let results = try MetricOps.minDim.call([.tensor(self), .int(dim), .bool(keepDim)])
        return (results[0], results[1])
    }

    /// Returns whether any element along `dim` is true (nonzero).
    public func any(dim: Int, keepDim: Bool = false) throws -> Tensor {
        try MetricOps.anyDim(.tensor(self), .int(dim), .bool(keepDim))
    }

    /// Sums along `dims`, accumulating and returning in `dtype`.
    public func sum(dims: [Int], keepDim: Bool = false, dtype: DType) throws -> Tensor {
        try MetricOps.sumDimDType(.tensor(self), .ints(dims), .bool(keepDim), .dtype(dtype))
    }
}

// MARK: - Element-wise

extension Tensor {
    /// `self * log(other)`, with 0 wherever `self` is 0 (even where `other` is 0).
    public func xlogy(_ other: Tensor) throws -> Tensor {
        try MetricOps.xlogy(.tensor(self), .tensor(other))
    }

    /// `self <= other` element-wise, broadcasting.
    public func le(_ other: Tensor) throws -> Tensor {
        try MetricOps.le(.tensor(self), .tensor(other))
    }

    /// `self < other` element-wise, broadcasting.
    public func lt(_ other: Tensor) throws -> Tensor {
        try MetricOps.lt(.tensor(self), .tensor(other))
    }
}
