import Foundation
import Torch

/// A run folder: its lock, its `state.json` of finished stages, and atomic writes of its
/// files. One process at a time may write to a run; a second one is refused. Sweep workers
/// instead share the folder: each writes only its own result files, never `state.json`.
public final class RunFolder {
    public let path: String
    private let lockDescriptor: Int32
    /// Whether this process holds the shared lock of a sweep worker.
    public let isShared: Bool
    private var state: State

    /// Finished stages with their durations, in the order they finished.
    struct State: Codable {
        var version = 1
        var stages: [String: Double] = [:]
        var order: [String] = []
        var finished = false
    }

    /// Opens (creating it if needed) the run folder at `path` and takes its lock: an
    /// exclusive one, or with `shared` one that other sharing workers may hold at the same
    /// time while no exclusive holder can.
    public init(_ path: String, create: Bool, shared: Bool = false) throws {
        self.path = path
        isShared = shared
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        let exists = manager.fileExists(atPath: path, isDirectory: &isFolder)
        if exists && !isFolder.boolValue {
            throw GDAError.config("\(path) exists and is not a folder")
        }
        if !exists {
            guard create else { throw GDAError.config("run folder \(path) not found") }
            do {
                try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw GDAError("cannot create run folder \(path): \(error.localizedDescription)")
            }
        }
        lockDescriptor = try Self.lock(path, shared: shared)
        let statePath = "\(path)/state.json"
        if let data = manager.contents(atPath: statePath) {
            do {
                state = try JSONDecoder().decode(State.self, from: data)
            } catch {
                close(lockDescriptor)
                throw GDAError("\(statePath) is corrupt (\(error)); move it away to start the run's stages again")
            }
        } else {
            state = State()
        }
    }

    deinit {
        close(lockDescriptor)
    }

    /// Takes a lock on RUN/.lock, held until the process ends or this object goes.
    private static func lock(_ path: String, shared: Bool) throws -> Int32 {
        let lockPath = "\(path)/.lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw GDAError("cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        if flock(descriptor, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            let owner = (try? String(contentsOfFile: lockPath, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
            close(descriptor)
            throw GDAError.config("run folder \(path) is in use by another gda process (pid \(owner)); "
                + "wait for it to finish or choose another --out")
        }
        // Sharing workers leave the file to the exclusive holders, whose pid it names.
        guard !shared else { return descriptor }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { Glibc.write(descriptor, $0, strlen($0)) }
        return descriptor
    }

    // MARK: - Stages

    public var isFinished: Bool { state.finished }
    public var hasStages: Bool { !state.order.isEmpty }

    public func isDone(_ stage: String) -> Bool { state.stages[stage] != nil }

    public var timings: [(String, Double)] { state.order.compactMap { name in state.stages[name].map { (name, $0) } } }

    /// Records a finished stage; the state file is replaced atomically.
    public func markDone(_ stage: String, seconds: Double) throws {
        if state.stages[stage] == nil { state.order.append(stage) }
        state.stages[stage] = seconds
        try saveState()
    }

    public func markFinished() throws {
        state.finished = true
        try saveState()
    }

    private func saveState() throws {
        precondition(!isShared, "a sweep worker sharing \(path) must not write state.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try write(encoder.encode(state), to: "state.json")
    }

    // MARK: - Files

    /// The absolute path of `relative` inside the run, creating its folder.
    public func file(_ relative: String) throws -> String {
        let full = "\(path)/\(relative)"
        let folder = URL(fileURLWithPath: full).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw GDAError("cannot create folder \(folder): \(error.localizedDescription)")
        }
        return full
    }

    /// Writes `data` to `relative` inside the run atomically.
    public func write(_ data: Data, to relative: String) throws {
        let target = try file(relative)
        do {
            try AtomicFile.write(data, to: target)
        } catch let error as TorchError {
            throw GDAError(error.message)
        }
    }

    public func writeJSON<T: Encodable>(_ value: T, to relative: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try write(encoder.encode(value), to: relative)
    }

    public func readJSON<T: Decodable>(_ type: T.Type, from relative: String) throws -> T? {
        guard let data = FileManager.default.contents(atPath: "\(path)/\(relative)") else { return nil }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(T.self, from: data)
        } catch {
            throw GDAError("\(path)/\(relative) is corrupt: \(error)")
        }
    }

    public func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: "\(path)/\(relative)")
    }
}
