import Foundation

/// A reader for tar archives (ustar, GNU and pax headers) that extracts regular files and
/// folders only. Entries with absolute paths, `..` components, links or device types are
/// rejected, so an archive cannot write outside the target folder.
public enum Tar {
    private static let blockSize = 512

    /// Extracts the archive at `path` (gzip-compressed or plain) into `folder`, which is
    /// created. Returns the relative paths of the regular files written, in archive order.
    @discardableResult
    public static func extract(_ path: String, into folder: String) throws -> [String] {
        let file = try CompressedFileReader(path)
        try createFolder(folder)
        var written = [String]()
        var longName: String?
        var paxPath: String?
        var emptyBlocks = 0
        while true {
            let header = try file.read(blockSize)
            // Archives may end at a block boundary without the two zero blocks.
            if header.isEmpty { break }
            guard header.count == blockSize else {
                throw GDAError("\(path): truncated tar archive: a header block has \(header.count) of 512 bytes")
            }
            if header.allSatisfy({ $0 == 0 }) {
                emptyBlocks += 1
                if emptyBlocks == 2 { break }
                continue
            }
            emptyBlocks = 0
            try verifyChecksum(header, archive: path)
            let size = try entrySize(header, archive: path)
            let type = header[156]
            var name = longName ?? paxPath ?? headerName(header)
            switch type {
            case UInt8(ascii: "L"), UInt8(ascii: "x"), UInt8(ascii: "g"):
                // GNU long name or pax extended header: metadata for the next entry.
                guard size <= 1 << 20 else {
                    throw GDAError("\(path): tar metadata entry of \(size) bytes is too large (limit 1 MiB)")
                }
                let data = try readData(file, size: size, archive: path)
                if type == UInt8(ascii: "L") {
                    longName = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
                } else if type == UInt8(ascii: "x") {
                    paxPath = paxRecord("path", in: data)
                }
                continue
            default:
                longName = nil
                paxPath = nil
            }
            name = try validatedName(name, archive: path)
            let target = folder + "/" + name
            do {
                try extractEntry(file, type: type, name: name, size: size, target: target, archive: path)
            } catch let error as GDAError where !error.message.hasPrefix(path) {
                throw GDAError("\(path): cannot extract tar entry '\(name)': \(error.message)")
            }
            if [0, UInt8(ascii: "0"), UInt8(ascii: "7")].contains(type) { written.append(name) }
        }
        return written
    }

    /// Writes one entry's file or folder at `target`; links and other types are rejected.
    private static func extractEntry(_ file: CompressedFileReader, type: UInt8, name: String, size: Int,
                                     target: String, archive path: String) throws {
        switch type {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
            try createFolder(URL(fileURLWithPath: target).deletingLastPathComponent().path)
            try copyEntry(file, size: size, to: target, archive: path)
        case UInt8(ascii: "5"):
            try createFolder(target)
            try skip(file, size: size, archive: path)
        case UInt8(ascii: "1"), UInt8(ascii: "2"):
            throw GDAError("\(path): tar entry '\(name)' is a link; gda extracts only files and folders")
        default:
            throw GDAError("\(path): tar entry '\(name)' has type '\(Character(UnicodeScalar(type)))'; "
                + "gda extracts only files and folders")
        }
    }

    // MARK: - Headers

    private static func headerName(_ header: [UInt8]) -> String {
        let name = string(header[0..<100])
        let prefix = string(header[345..<500])
        // The prefix field exists only in ustar headers ("ustar" at offset 257).
        let isUstar = Array(header[257..<262]) == Array("ustar".utf8)
        return isUstar && !prefix.isEmpty ? prefix + "/" + name : name
    }

    private static func string(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Rejects names that could leave the target folder and drops `.` components.
    static func validatedName(_ name: String, archive: String) throws -> String {
        guard !name.isEmpty else { throw GDAError("\(archive): tar entry with an empty name") }
        guard !name.hasPrefix("/") else {
            throw GDAError("\(archive): tar entry '\(name)' has an absolute path; entries must be relative")
        }
        let components = name.split(separator: "/").filter { $0 != "." }
        guard !components.contains("..") else {
            throw GDAError("\(archive): tar entry '\(name)' contains '..'; entries must stay inside the archive folder")
        }
        guard !components.isEmpty else { throw GDAError("\(archive): tar entry '\(name)' names no file") }
        return components.joined(separator: "/")
    }

    private static func verifyChecksum(_ header: [UInt8], archive: String) throws {
        // The checksum sums the header with its own 8-byte field taken as spaces.
        var sum = 0
        for (index, byte) in header.enumerated() { sum += (148..<156).contains(index) ? 32 : Int(byte) }
        guard let stored = octal(header[148..<156]), stored == sum else {
            throw GDAError("\(archive): corrupt tar header (checksum mismatch); the archive is damaged")
        }
    }

    private static func entrySize(_ header: [UInt8], archive: String) throws -> Int {
        let field = header[124..<136]
        if let first = field.first, first & 0x80 != 0 {
            // GNU base-256: big-endian binary after the marker bit.
            var value = Int(first & 0x3F)
            for byte in field.dropFirst() {
                guard value < Int.max >> 9 else { throw GDAError("\(archive): tar entry size is out of range") }
                value = value << 8 | Int(byte)
            }
            return value
        }
        guard let size = octal(field) else { throw GDAError("\(archive): corrupt tar header (invalid size field)") }
        return size
    }

    /// Parses a NUL- or space-terminated octal field.
    private static func octal(_ field: ArraySlice<UInt8>) -> Int? {
        let text = string(field).trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return 0 }
        guard text.count <= 21, text.allSatisfy({ ("0"..."7").contains($0) }) else { return nil }
        return Int(text, radix: 8)
    }

    /// Returns the value of `key` in pax extended header records (`LENGTH key=value\n`).
    private static func paxRecord(_ key: String, in data: [UInt8]) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        for record in text.split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let pair = record[record.index(after: space)...]
            if pair.hasPrefix(key + "=") { return String(pair.dropFirst(key.count + 1)) }
        }
        return nil
    }

    // MARK: - Entry data

    /// Returns the number of padding bytes after `size` bytes of data, up to the next block.
    private static func padding(_ size: Int) -> Int { (blockSize - size % blockSize) % blockSize }

    private static func readData(_ file: CompressedFileReader, size: Int, archive: String) throws -> [UInt8] {
        let data = try file.read(size)
        guard data.count == size else { throw truncated(archive) }
        try skip(file, size: 0, padding: padding(size), archive: archive)
        return data
    }

    private static func skip(_ file: CompressedFileReader, size: Int, padding extra: Int? = nil,
                             archive: String) throws {
        var remaining = size + (extra ?? padding(size))
        while remaining > 0 {
            let got = try file.read(Swift.min(remaining, 1 << 20)).count
            guard got > 0 else { throw truncated(archive) }
            remaining -= got
        }
    }

    private static func copyEntry(_ file: CompressedFileReader, size: Int, to target: String,
                                  archive: String) throws {
        guard FileManager.default.createFile(atPath: target, contents: nil),
              let output = FileHandle(forWritingAtPath: target) else {
            throw GDAError("\(target): cannot create the file")
        }
        defer { try? output.close() }
        var remaining = size
        while remaining > 0 {
            let chunk = try file.read(Swift.min(remaining, 1 << 20))
            guard !chunk.isEmpty else { throw truncated(archive) }
            try output.write(contentsOf: chunk)
            remaining -= chunk.count
        }
        try skip(file, size: 0, padding: padding(size), archive: archive)
    }

    private static func truncated(_ archive: String) -> GDAError {
        GDAError("\(archive): truncated tar archive: an entry ends before its stated size")
    }
}
