import Foundation

/// One worker's place in a sweep whose runs are spread over processes: worker `index` of
/// `count` does every count-th run of Set 3 (`ClassifierGrid.share`). The workers need no
/// process group: each writes its own result files, and a later `gda experiment resume` or
/// `gda report` reads them all.
public struct SweepWorker: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw GDAError.config("the number of sweep workers must be at least 1, found \(count)") }
        guard (0..<count).contains(index) else {
            throw GDAError.config("sweep worker index \(index) is outside 0..<\(count)")
        }
        self.index = index
        self.count = count
    }

    public var description: String { "worker \(index) of \(count)" }

    /// Returns the worker the environment describes: a Slurm array task (`SLURM_ARRAY_TASK_ID`
    /// minus `SLURM_ARRAY_TASK_MIN`, of `SLURM_ARRAY_TASK_COUNT`), else a torchrun rank
    /// (`RANK` of `WORLD_SIZE`), else the only worker.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> SweepWorker
    {
        if let task = environment["SLURM_ARRAY_TASK_ID"] {
            let id = try integer("SLURM_ARRAY_TASK_ID", task)
            let minimum = try environment["SLURM_ARRAY_TASK_MIN"].map { try integer("SLURM_ARRAY_TASK_MIN", $0) } ?? 0
            guard let countText = environment["SLURM_ARRAY_TASK_COUNT"] else {
                throw GDAError.config("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; "
                    + "pass --worker I --workers N")
            }
            let count = try integer("SLURM_ARRAY_TASK_COUNT", countText)
            guard (0..<count).contains(id - minimum) else {
                throw GDAError.config("Slurm array task \(id) (first task \(minimum)) is outside the \(count) tasks: "
                    + "use a contiguous array such as --array=0-\(max(count - 1, 0)), or pass --worker I --workers N")
            }
            return try SweepWorker(index: id - minimum, count: count)
        }
        if let size = environment["WORLD_SIZE"] {
            let count = try integer("WORLD_SIZE", size)
            let rank = try environment["RANK"].map { try integer("RANK", $0) } ?? 0
            return try SweepWorker(index: rank, count: count)
        }
        return try SweepWorker(index: 0, count: 1)
    }

    private static func integer(_ name: String, _ text: String) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw GDAError.config("\(name)='\(text)' is invalid: expected an integer")
        }
        return value
    }
}

extension Experiment {
    /// Runs `worker`'s share of Set 3: the grid's runs and the synthetic-only runs whose
    /// results are not yet on disk. The stages before Set 3 must be done (for example by
    /// `gda experiment run --stop-before classify`). Records no stage: the `classify` stage
    /// is marked done by a later `gda experiment resume`, which finds every result present.
    public func classify(as worker: SweepWorker) throws {
        for model in config.gan.models where !run.isDone("label-\(model)") {
            throw GDAError.config("\(run.path) has not finished stage 'label-\(model)', which the classifier runs "
                + "need; run 'gda experiment resume \(run.path) --stop-before classify' first")
        }
        try loadDataIfNeeded()
        log("classify: \(worker)")
        try classify(worker: worker.index, of: worker.count)
    }
}
