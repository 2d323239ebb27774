import Foundation

/// Checks and reads files that users point gda at. Only regular files are read: a FIFO would
/// block the reader forever and a device such as /dev/zero never ends, so both are rejected
/// before the first byte is read, as is a file larger than the reader's limit.
enum InputFile {
    /// Throws unless `path` (after symbolic links) is a regular file: a missing file or a folder
    /// is a configuration error (exit status 2), any other kind of file a run error.
    static func checkRegular(_ path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw GDAError.config("\(path): file not found") }
            throw GDAError("\(path): cannot read the file (\(String(cString: strerror(errno))))")
        }
        let kind = status.st_mode & S_IFMT
        guard kind != S_IFDIR else { throw GDAError.config("\(path): is a folder, expected a file") }
        guard kind == S_IFREG else {
            throw GDAError("\(path): not a regular file (it is a \(kindName(kind))); gda reads only "
                + "regular files")
        }
    }

    /// Reads a whole regular file of at most `maximumBytes` bytes. `kind` names the file in the
    /// size error, as in "a config file".
    static func read(_ path: String, maximumBytes: Int, kind: String) throws -> Data {
        try checkRegular(path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maximumBytes else {
            throw GDAError("\(path): \(size) bytes is larger than the \(describeSize(maximumBytes)) "
                + "gda accepts for \(kind)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GDAError("\(path): cannot read the file")
        }
        return data
    }

    private static func kindName(_ kind: mode_t) -> String {
        switch kind {
        case S_IFIFO: "FIFO"
        case S_IFCHR: "character device"
        case S_IFBLK: "block device"
        case S_IFSOCK: "socket"
        default: "special file"
        }
    }

    private static func describeSize(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    /// The largest JSON or text file gda reads (configs, class names, checkpoint pointers).
    static let maximumTextBytes = 16 << 20
}
