import Foundation

/// An exclusive lock on a run folder, so that one process at a time writes to it: `flock` on
/// `RUN/.lock`, which holds the owner's process id. The kernel releases the lock when the
/// process ends, however it ends, so a killed run leaves no stale lock behind.
public final class RunLock {
    public let folder: String
    private let descriptor: Int32
    /// Whether this lock created the folder.
    private let created: Bool

    /// Takes the lock of `folder`, creating the folder when `create` is true. A folder locked
    /// by another process is a configuration error (exit status 2) that names its process id.
    public init(_ folder: String, create: Bool = true) throws {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder)
        if exists && !isFolder.boolValue {
            throw GDAError.config("\(folder) exists and is not a folder")
        }
        if !exists {
            guard create else { throw GDAError.config("run folder \(folder) not found") }
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw GDAError("cannot create run folder \(folder): \(error.localizedDescription)")
            }
        }
        self.folder = folder
        created = !exists
        descriptor = try Self.acquire(folder)
    }

    /// Deletes the folder when this lock created it and nothing but the lock file is in it, as
    /// after a run that failed before writing anything.
    public func removeFolderIfUnused() {
        guard created, (try? FileManager.default.contentsOfDirectory(atPath: folder)) == [".lock"] else { return }
        try? FileManager.default.removeItem(atPath: folder)
    }

    deinit {
        close(descriptor)
    }

    /// Opens `folder/.lock` and locks it without waiting; returns the open descriptor, which
    /// holds the lock until it is closed. Shared locks (sweep workers writing separate result
    /// files) exclude only exclusive holders.
    static func acquire(_ folder: String, shared: Bool = false) throws -> Int32 {
        let lockPath = "\(folder)/.lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw GDAError("cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        if flock(descriptor, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            let owner = (try? String(contentsOfFile: lockPath, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
            close(descriptor)
            throw GDAError.config("run folder \(folder) is in use by another gda process (pid \(owner)); "
                + "wait for it to finish or use another run folder")
        }
        // Sharing workers leave the file to the exclusive holders, whose pid it names.
        guard !shared else { return descriptor }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { Glibc.write(descriptor, $0, strlen($0)) }
        return descriptor
    }
}
