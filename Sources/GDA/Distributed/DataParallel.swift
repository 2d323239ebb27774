import Foundation
import Torch

/// The treatment of BatchNorm running statistics in a data-parallel run.
public enum BatchNormSync: String, Sendable, CaseIterable {
    /// Each rank keeps the running statistics of its own batches, as PyTorch's
    /// DistributedDataParallel does without SyncBatchNorm. Rank 0's are the ones saved.
    case perRank = "per-rank"
    /// At the end of every epoch each BatchNorm's running mean and running variance are
    /// replaced, on every rank, by their element-wise mean over the ranks. Inside a training
    /// step each rank still normalises with its own batch's statistics, so this is not
    /// SyncBatchNorm, and the averaged variance leaves out the spread between the ranks' means.
    case epochAverage = "epoch-average"
}

/// Data-parallel training over a process group: every rank keeps a replica of the model,
/// trains on its own shard of each batch, and averages gradients with the others before
/// each optimizer step, so the replicas stay equal.
///
/// Rank 0 is the leader: it alone writes checkpoints, events, samples and reports.
public final class DataParallel {
    public let group: ProcessGroup
    public let batchNormSync: BatchNormSync

    public init(group: ProcessGroup, batchNormSync: BatchNormSync = .perRank) {
        self.group = group
        self.batchNormSync = batchNormSync
    }

    public var rank: Int { group.rank }
    public var worldSize: Int { group.worldSize }
    /// Whether this rank writes the run's files.
    public var isLeader: Bool { group.rank == 0 }
    /// The `DataLoader` shard of this rank.
    public var shard: (rank: Int, worldSize: Int) { (group.rank, group.worldSize) }

    // MARK: - Replicas

    /// Copies rank 0's parameters and buffers to every rank, so that replicas start equal.
    public func broadcastState(of modules: [Module]) throws {
        let tensors = modules.flatMap { $0.stateDict().map(\.1) }
        try collective("broadcasting the model from rank 0") { try group.broadcast(tensors, root: 0) }
    }

    /// Replaces every parameter's gradient with its mean over the ranks, in one flat
    /// buffer per dtype. A parameter without a gradient takes part with zeros (and then has
    /// one), because every rank must send the same list of tensors.
    public func averageGradients(of parameters: [Tensor]) throws {
        var gradients: [Tensor] = []
        gradients.reserveCapacity(parameters.count)
        for parameter in parameters {
            if let gradient = parameter.grad {
                gradients.append(gradient)
            } else {
                let zeros = try Tensor.zeros(parameter.shape, dtype: parameter.dtype, device: parameter.device)
                parameter.grad = zeros
                gradients.append(zeros)
            }
        }
        try collective("averaging gradients") { try group.allReduceMean(gradients) }
    }

    /// Applies `batchNormSync` to every BatchNorm layer of `modules`; call it at the end of
    /// each epoch on every rank.
    public func synchronizeBatchNorm(of modules: [Module]) throws {
        guard batchNormSync == .epochAverage else { return }
        let layers = modules.flatMap { $0.modules() }.compactMap { $0 as? BatchNorm }
        let statistics = layers.flatMap { [$0.runningMean, $0.runningVar] }
        try collective("averaging BatchNorm statistics") { try group.allReduceMean(statistics) }
    }

    // MARK: - Batches

    /// This rank's part of one global batch: the batch is cut into slices of `batchSize` and
    /// rank r takes slice r. In a last, short batch the high ranks may get fewer images or none.
    public func localPart<Element>(of global: ArraySlice<Element>, batchSize: Int) -> ArraySlice<Element> {
        let start = Swift.min(global.startIndex + rank * batchSize, global.endIndex)
        let end = Swift.min(start + batchSize, global.endIndex)
        return global[start..<end]
    }

    // MARK: - Reporting

    /// Returns the element-wise sums of `values` over the ranks (float64).
    public func sum(_ values: [Double]) throws -> [Double] {
        let tensor = try Tensor(values)
        try collective("summing metrics") { try group.allReduceSum([tensor]) }
        return try tensor.scalars(as: Double.self)
    }

    /// Returns every rank's `digest`, ordered by rank.
    public func gather(_ digest: UInt64) throws -> [UInt64] {
        let gathered = try collective("gathering parameter digests") {
            try group.allGather(try Tensor([Int64(bitPattern: digest)]))
        }
        return try gathered.scalars(as: Int64.self).map { UInt64(bitPattern: $0) }
    }

    /// Waits until every rank gets here.
    public func barrier(_ purpose: String) throws {
        try collective(purpose) { try group.barrier() }
    }

    /// Runs a collective, turning its failure into a run failure that names the usual cause:
    /// another rank that exited or stalled.
    func collective<T>(_ purpose: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TorchError {
            let cause = error.message.last.map { ".!?".contains($0) } == true ? error.message : error.message + "."
            throw GDAError("rank \(rank) of \(worldSize): \(purpose): \(cause) Another rank exited, "
                + "failed or stalled for longer than the \(decimal(group.timeout, 0)) s timeout; see its output")
        }
    }
}
