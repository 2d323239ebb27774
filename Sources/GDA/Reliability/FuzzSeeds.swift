import CZlib
import Foundation
import Torch

/// Valid files that the fuzz targets start from, built in code so that `gda fuzz` needs no
/// fixture files, and the repairs that keep mutated files past their checksums.
enum FuzzSeeds {
    // MARK: - IDX and CIFAR-10

    static func idxImages() -> [[UInt8]] {
        [
            IDX.header([3, 4, 4]) + (0..<48).map { UInt8($0) },
            IDX.header([2, 3, 2, 2]) + (0..<24).map { UInt8($0 * 7) },
            IDX.header([1, 28, 28]) + [UInt8](repeating: 9, count: 784),
        ]
    }

    static func cifarBatch() -> [UInt8] {
        var bytes = [UInt8]()
        for label in [3, 9] {
            bytes.append(UInt8(label))
            bytes += (0..<CIFAR10.imageSize).map { UInt8(truncatingIfNeeded: $0 &* (label + 1)) }
        }
        return bytes
    }

    /// Returns `bytes` gzip-compressed (zlib's deflate with a gzip wrapper, level 1).
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16 makes deflate write a gzip header and trailer.
        guard deflateInit2_(&stream, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        let written = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target -> Int in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return 0 }
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(written))
    }

    // MARK: - PNG

    /// PNG files of each colour type gda reads: grey, RGB, palette, grey and RGB with alpha,
    /// 16-bit grey, and an interlaced one.
    static func pngs() throws -> [[UInt8]] {
        let grey = try PNG.encode(Image(channels: 1, height: 3, width: 4, pixels: (0..<12).map { UInt8($0 * 20) }))
        let rgb = try PNG.encode(Image(channels: 3, height: 2, width: 2, pixels: (0..<12).map { UInt8($0 * 21) }))
        return [
            Array(grey), Array(rgb),
            png(width: 3, height: 2, depth: 8, colour: 3, rows: [[0, 1, 0], [1, 0, 1]],
                extra: [chunk("PLTE", [255, 0, 0, 0, 0, 255])]),
            png(width: 2, height: 2, depth: 8, colour: 4, rows: [[10, 255, 20, 128], [30, 0, 40, 64]]),
            png(width: 2, height: 1, depth: 8, colour: 6, rows: [[1, 2, 3, 255, 4, 5, 6, 0]]),
            png(width: 2, height: 2, depth: 16, colour: 0, rows: [[1, 0, 2, 0], [3, 0, 4, 0]]),
            png(width: 3, height: 3, depth: 8, colour: 0, interlace: true,
                rows: [[7], [8], [9, 10], [11], [15], [12, 13, 14]]),
        ]
    }

    /// Builds a PNG from unfiltered rows (filter byte 0 is prepended to each).
    static func png(width: Int, height: Int, depth: UInt8, colour: UInt8, interlace: Bool = false,
                    rows: [[UInt8]], extra: [[UInt8]] = []) -> [UInt8] {
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [depth, colour, 0, 0, interlace ? 1 : 0]
        let raw: [UInt8] = rows.flatMap { [UInt8(0)] + $0 }
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        bytes += chunk("IHDR", header)
        bytes += extra.flatMap { $0 }
        bytes += chunk("IDAT", deflateZlib(raw))
        bytes += chunk("IEND", [])
        return bytes
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc(body))
    }

    /// Recomputes the CRC of every chunk whose length field still fits the file, so that a
    /// mutation inside a chunk reaches libpng's decoder instead of its checksum test.
    static func repairPNGChecksums(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let end = offset + 8 + length
            guard length >= 0, end + 4 <= bytes.count else { break }
            let value = crc(Array(bytes[(offset + 4)..<end]))
            bytes.replaceSubrange(end..<(end + 4), with: bigEndian(value))
            offset = end + 4
        }
        return bytes
    }

    /// Header fields of a PNG: the IHDR chunk and the first chunk lengths.
    static let pngFields = [8..<33, 33..<41]

    private static func deflateZlib(_ bytes: [UInt8]) -> [UInt8] {
        var size = compressBound(UInt(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(size))
        let status = compress(&output, &size, bytes, UInt(bytes.count))
        return status == Z_OK ? Array(output.prefix(Int(size))) : []
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        UInt32(truncatingIfNeeded: crc32(0, bytes, UInt32(bytes.count)))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
    }

    // MARK: - Tar

    /// Archives with a folder, files, a GNU long name and a pax path record.
    static func tars() -> [[UInt8]] {
        let plain = tarEntry("data/", type: "5", body: []) + tarEntry("data/a.bin", body: Array("abc".utf8))
            + tarEntry("data/b.bin", body: [UInt8](repeating: 7, count: 700)) + [UInt8](repeating: 0, count: 1024)
        let longName = String(repeating: "n", count: 120)
        let gnu = tarEntry("././@LongLink", type: "L", body: Array((longName + "\0").utf8))
            + tarEntry("short", body: [1, 2]) + [UInt8](repeating: 0, count: 1024)
        let pax = tarEntry("PaxHeader", type: "x", body: Array("22 path=pax/long.bin\n".utf8))
            + tarEntry("p", body: [3]) + [UInt8](repeating: 0, count: 1024)
        return [plain, gnu, pax]
    }

    static func tarEntry(_ name: String, type: Character = "0", body: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) {
            for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte }
        }
        put(name, at: 0)
        put("0000644", at: 100)
        put("0000000", at: 108)
        put("0000000", at: 116)
        put(String(format: "%011o", body.count), at: 124)
        put("00000000000", at: 136)
        header[156] = type.asciiValue ?? 0x30
        put("ustar", at: 257)
        put("00", at: 263)
        let padding = (512 - body.count % 512) % 512
        return repairTarChecksum(header) + body + [UInt8](repeating: 0, count: padding)
    }

    /// Rewrites the checksum of each 512-byte block that looks like a header (a name, and a
    /// size field of octal digits), so that mutations reach the fields behind the checksum.
    static func repairTarChecksums(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        var offset = 0
        while offset + 512 <= bytes.count {
            let block = Array(bytes[offset..<(offset + 512)])
            if block[0] != 0 {
                bytes.replaceSubrange(offset..<(offset + 512), with: repairTarChecksum(block))
            }
            offset += 512
        }
        return bytes
    }

    private static func repairTarChecksum(_ header: [UInt8]) -> [UInt8] {
        var block = header
        for index in 148..<156 { block[index] = 0x20 }
        let sum = block.reduce(0) { $0 + Int($1) }
        let field = Array(String(format: "%06o", sum).utf8.suffix(6)) + [0, 0x20]
        block.replaceSubrange(148..<156, with: field)
        return block
    }

    /// Header fields of the first tar header: name, size, checksum, type and prefix.
    static let tarFields = [0..<100, 124..<136, 148..<157, 345..<500, 512..<612, 636..<648]

    // MARK: - safetensors and JSON

    static func safetensors() throws -> [[UInt8]] {
        let first = try SafeTensors.encode([
            ("weight", try Tensor([Float](repeating: 0.5, count: 6), shape: [2, 3])),
            ("bias", try Tensor([Double]([1, 2]), shape: [2])),
            ("count", try Tensor([Int64](arrayLiteral: 7), shape: [1])),
        ], metadata: ["format": "pt", "step": "12"])
        let second = try SafeTensors.encode([
            ("mask", try Tensor([UInt8](repeating: 1, count: 4), shape: [2, 2])),
            ("empty", try Tensor([Int32](), shape: [0, 3])),
        ])
        return [Array(first), Array(second)]
    }

    /// JSON tokens that reach edge cases: numbers past every integer type, fractions, null,
    /// nesting, escapes and the given config keys.
    static func jsonDictionary(keys: [String]) -> [[UInt8]] {
        let tokens = [
            "0", "-1", "1", "2.5", "1e309", "-1e309", "1e-400", "9223372036854775807", "9223372036854775808",
            "18446744073709551616", "99999999999999999999999", "null", "true", "false", "\"\"", "[]", "{}",
            "[[[[[[[[", "]]]]", "\"\\u0000\"", "\"\\ud800\"", "\"a\\nb\"", ",", ":", "\"", "NaN", "Infinity",
        ]
        return (tokens + keys.map { "\"\($0)\"" }).map { Array($0.utf8) }
    }
}
