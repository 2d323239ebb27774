import CTorch
import Foundation

/// A group of processes that run collectives together: libtorch's c10d with a TCPStore
/// rendezvous and the Gloo backend, joined the way `torch.distributed` joins with
/// `init_method="env://"`.
///
/// Every collective blocks until it is done on this rank. It throws when a peer process
/// exits or when the timeout passes without the peers taking part, so a run whose peer died
/// stops instead of hanging. Every rank must call the same collectives in the same order.
public final class ProcessGroup: @unchecked Sendable {
    let handle: ct_process_group
    /// This process's rank, from 0.
    public let rank: Int
    /// The number of processes in the group.
    public let worldSize: Int
    /// This process's rank on its machine (`LOCAL_RANK`), which selects a GPU on multi-GPU nodes.
    public let localRank: Int
    /// The time the rendezvous and each collective may wait for the peers, in seconds.
    public let timeout: Double

    /// The default timeout, in seconds: 30 minutes, as in `torch.distributed`.
    public static let defaultTimeout: Double = 1800

    /// Joins a group of `worldSize` processes. Rank 0 serves the rendezvous store at
    /// `masterAddress:masterPort` and the others connect to it.
    ///
    /// - Parameters:
    ///   - interface: the network interface Gloo binds to (`GLOO_SOCKET_IFNAME`). With nil
    ///     Gloo binds to the loopback address for a loopback master, else to this host's address.
    ///   - timeout: seconds the rendezvous and each collective may wait for the peers.
    public init(masterAddress: String, masterPort: Int, rank: Int, worldSize: Int, localRank: Int = 0,
                interface: String? = nil, timeout: Double = ProcessGroup.defaultTimeout) throws {
        guard timeout > 0, timeout.isFinite else {
            throw TorchError("process group timeout must be a positive number of seconds, found \(timeout)")
        }
        let milliseconds = Int64(min(timeout * 1000, Double(Int64.max / 2)).rounded(.up))
        let created = ct_process_group_new(masterAddress, Int32(clamping: masterPort), Int32(clamping: rank),
                                        Int32(clamping: worldSize), Int32(CT_BACKEND_GLOO), interface,
                                        milliseconds)
        guard let created else {
            throw TorchError.last("rank \(rank) of \(worldSize) could not join the process group at "
                + "\(masterAddress):\(masterPort) within \(timeout) s")
        }
        handle = created
        self.rank = rank
        self.worldSize = worldSize
        self.localRank = localRank
        self.timeout = timeout
    }

    deinit {
        ct_process_group_free(handle)
    }

    // MARK: - Environment

    /// Joins the group that the launcher describes in the environment, or returns nil for a
    /// single-process run (`WORLD_SIZE` unset or 1).
    ///
    /// Reads PyTorch's `env://` variables, as `torchrun` sets them: `MASTER_ADDR`,
    /// `MASTER_PORT`, `RANK`, `WORLD_SIZE` and `LOCAL_RANK`. `GLOO_SOCKET_IFNAME` names the
    /// network interface, as in PyTorch. Slurm's own variables are not read, because a batch
    /// script outside `srun` also carries `SLURM_NTASKS` and `SLURM_PROCID`: under `srun` each
    /// task exports the env:// variables from them.
    public static func fromEnvironment(
        timeout: Double = ProcessGroup.defaultTimeout,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ProcessGroup? {
        guard let layout = try Layout(environment: environment) else { return nil }
        guard let address = environment["MASTER_ADDR"], !address.isEmpty else {
            throw TorchError("MASTER_ADDR is not set: a run of \(layout.worldSize) processes needs rank 0's host "
                + "name or address in MASTER_ADDR (torchrun sets it)")
        }
        let port = try Layout.integer("MASTER_PORT", in: environment, range: 1...65535)
        let interface = environment["GLOO_SOCKET_IFNAME"].flatMap { $0.isEmpty ? nil : $0 }
        return try ProcessGroup(masterAddress: address, masterPort: port, rank: layout.rank,
                                worldSize: layout.worldSize, localRank: layout.localRank,
                                interface: interface, timeout: timeout)
    }

    /// Rank, world size and local rank as the environment gives them.
    struct Layout {
        var rank: Int
        var worldSize: Int
        var localRank: Int

        /// Nil when the environment describes a single process.
        init?(environment: [String: String]) throws {
            guard environment["WORLD_SIZE"] != nil else { return nil }
            worldSize = try Self.integer("WORLD_SIZE", in: environment, range: 1...Int(Int32.max))
            guard worldSize > 1 else { return nil }
            rank = try Self.integer("RANK", in: environment, range: 0...(worldSize - 1))
            localRank = environment["LOCAL_RANK"] == nil
                ? 0 : try Self.integer("LOCAL_RANK", in: environment, range: 0...Int(Int32.max))
        }

        static func integer(_ name: String, in environment: [String: String], range: ClosedRange<Int>) throws -> Int {
            guard let text = environment[name] else {
                throw TorchError("\(name) is not set; a distributed run needs it (torchrun sets it)")
            }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw TorchError("\(name)='\(text)' is invalid: expected an integer in "
                    + "\(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
    }

    // MARK: - Collectives

    /// Sums each tensor element-wise over the ranks, in place, without autograd history.
    /// Tensors of one dtype travel together in one flat buffer.
    public func allReduceSum(_ tensors: [Tensor]) throws {
        try allReduce(tensors, average: false)
    }

    /// Replaces each tensor, in place, with its element-wise mean over the ranks, as
    /// data-parallel training does with gradients. Every tensor must be floating point.
    public func allReduceMean(_ tensors: [Tensor]) throws {
        try allReduce(tensors, average: true)
    }

    private func allReduce(_ tensors: [Tensor], average: Bool) throws {
        guard !tensors.isEmpty else { return }
        let handles: [ct_tensor?] = tensors.map(\.handle)
        let status = handles.withUnsafeBufferPointer { buffer in
            ct_process_group_all_reduce(handle, buffer.baseAddress, Int32(buffer.count), average ? 1 : 0)
        }
        try withExtendedLifetime(tensors) { try check(status, "all-reduce failed") }
    }

    /// Overwrites each tensor on every rank, in place, with rank `root`'s values.
    public func broadcast(_ tensors: [Tensor], root: Int = 0) throws {
        guard !tensors.isEmpty else { return }
        let handles: [ct_tensor?] = tensors.map(\.handle)
        let status = handles.withUnsafeBufferPointer { buffer in
            ct_process_group_broadcast(handle, buffer.baseAddress, Int32(buffer.count), Int32(clamping: root))
        }
        try withExtendedLifetime(tensors) { try check(status, "broadcast from rank \(root) failed") }
    }

    /// Waits until every rank has reached the barrier.
    public func barrier() throws {
        try check(ct_process_group_barrier(handle), "barrier failed")
    }

    /// Gathers an int64 tensor of the same shape from every rank; returns a CPU tensor of
    /// shape (worldSize, ...) ordered by rank. Meant for small checks, such as digests.
    public func allGather(_ tensor: Tensor) throws -> Tensor {
        guard let gathered = ct_process_group_all_gather_int64(handle, tensor.handle) else {
            throw TorchError.last("all-gather failed")
        }
        return withExtendedLifetime(tensor) { Tensor(handle: gathered) }
    }
}
