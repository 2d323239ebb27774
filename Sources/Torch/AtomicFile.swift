import Foundation

/// Writes files so that a reader sees either the old content or the complete new content:
/// the bytes go to a temporary file in the same folder, which is flushed to disk and then
/// renamed over the target.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        // The name is unique to this call because threads that write the same path must not
        // share a temporary file.
        let temporary = "\(folder)/.\(url.lastPathComponent).tmp-\(getpid())-\(UUID().uuidString)"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw TorchError("cannot write \(path): cannot create a temporary file in \(folder) "
                + "(\(String(cString: strerror(errno))))")
        }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        var written = 0
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            while written < buffer.count {
                let result = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    let error = failure("cannot write", path)
                    unlink(temporary)
                    throw error
                }
                written += result
            }
        }
        if fsync(descriptor) != 0 {
            let error = failure("cannot flush", path)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        closed = true
        if rename(temporary, path) != 0 {
            let error = failure("cannot replace", path)
            unlink(temporary)
            throw error
        }
        // Flushes the folder so the rename itself survives a power cut.
        let folderDescriptor = open(folder, O_RDONLY)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    private static func failure(_ action: String, _ path: String) -> TorchError {
        TorchError("\(action) \(path): \(String(cString: strerror(errno)))")
    }
}
