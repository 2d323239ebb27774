import CZlib
import Foundation

/// A file read through zlib's gz interface, which inflates gzip files and passes plain files
/// through unchanged, so one reader serves `name` and `name.gz`.
final class CompressedFileReader {
    let path: String
    private let file: gzFile
    /// Bytes of decompressed data returned so far.
    private(set) var offset = 0

    /// Opens `path`; a missing file or a folder is a configuration error (exit status 2), and
    /// a special file (a FIFO, a device) a run error.
    init(_ path: String) throws {
        try InputFile.checkRegular(path)
        guard let file = gzopen(path, "rb") else {
            throw GDAError("\(path): cannot open the file (\(String(cString: strerror(errno))))")
        }
        gzbuffer(file, 1 << 17)
        self.path = path
        self.file = file
    }

    deinit {
        gzclose(file)
    }

    /// Whether the file is gzip data (valid only after the first read).
    var isCompressed: Bool { gzdirect(file) == 0 }

    /// The size on disk of a file that is not compressed, for checks against a header.
    var plainFileSize: Int? {
        guard !isCompressed else { return nil }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.size] as? NSNumber)?.intValue
    }

    /// Reads up to `count` bytes; fewer only when the data ends.
    func read(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8]()
        try append(count, to: &bytes)
        return bytes
    }

    /// Appends up to `count` bytes to `bytes`, in chunks, so that memory grows only with the
    /// data actually read. Returns how many bytes were appended.
    @discardableResult
    func append(_ count: Int, to bytes: inout [UInt8]) throws -> Int {
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: Swift.min(chunkSize, count))
        var appended = 0
        while appended < count {
            let request = Swift.min(chunk.count, count - appended)
            let got = try chunk.withUnsafeMutableBufferPointer { buffer in
                let got = gzread(file, buffer.baseAddress, UInt32(request))
                guard got >= 0 else {
                    throw GDAError("\(path): corrupt or truncated gzip data after \(offset) decompressed "
                        + "bytes (zlib: \(errorMessage()))")
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<Int(got)]))
                return Int(got)
            }
            appended += got
            offset += got
            if got < request { break }
        }
        return appended
    }

    /// Whether the gzip stream ended without its trailer, which is how zlib reports a
    /// compressed file cut short (Z_BUF_ERROR after a short read).
    var gzipStreamCutShort: Bool {
        var code: Int32 = 0
        _ = gzerror(file, &code)
        return code == Z_BUF_ERROR
    }

    private func errorMessage() -> String {
        var code: Int32 = 0
        guard let text = gzerror(file, &code) else { return "error \(code)" }
        return String(cString: text)
    }
}
