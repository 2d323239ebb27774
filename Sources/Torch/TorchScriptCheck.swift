import Foundation

/// Checks a TorchScript file's container before libtorch reads it, so that a damaged file
/// cannot make libtorch allocate what its headers claim. libtorch 2.15 sizes buffers from the
/// zip directory's record sizes, from the lengths of pickled strings and from pickle memo
/// indices. A 2 KB file with one string length set to 0xFFFFFFFF made it allocate 4 GiB before
/// failing.
///
/// The check is structural only: every record must lie inside the file with consistent
/// sizes, and in each pickle record every length must fit the bytes that follow it and every
/// memo index must be below the record's size. Pickle records are those named `*.pkl` and
/// the `*.debug_pkl` source maps, which libtorch reads when it loads a module. The check does
/// not make a TorchScript file safe to load, as such a file contains code: load only files you
/// trust.
enum TorchScriptCheck {
    /// Throws a `TorchError` naming the record and field that are out of range.
    static func check(_ path: String) throws {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return }
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            for record in try records(bytes) where record.name.hasSuffix("pkl") {
                if record.stored {
                    try checkPickle(bytes[record.data], name: record.name)
                } else if let inflated = inflate(UnsafeBufferPointer(rebasing: bytes[record.data]), size: record.size) {
                    try inflated.withUnsafeBufferPointer { try checkPickle($0[...], name: record.name) }
                }
            }
        }
    }

    // MARK: - Deflated records

    private typealias Inflate = @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int, Int32) -> Int

    /// miniz's `tinfl_decompress_mem_to_mem`, which libtorch contains for its own zip reading;
    /// nil when the loaded libtorch does not export it, and then deflated records go unchecked.
    private static let inflateFunction: Inflate? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "tinfl_decompress_mem_to_mem") else {
            return nil
        }
        return unsafeBitCast(symbol, to: Inflate.self)
    }()

    /// Inflates a raw deflate stream into a buffer of the record's declared `size`, as libtorch
    /// does. A stream that is longer or damaged fills what it can, and that prefix is what
    /// libtorch's reader would see too, so it is checked all the same.
    private static func inflate(_ compressed: UnsafeBufferPointer<UInt8>, size: Int) -> [UInt8]? {
        guard let inflateFunction, size <= 1 << 30 else { return nil }
        var output = [UInt8](repeating: 0, count: size)
        _ = output.withUnsafeMutableBytes {
            inflateFunction($0.baseAddress, size, compressed.baseAddress, compressed.count, 0)
        }
        return output
    }

    // MARK: - Zip directory

    struct Record {
        let name: String
        /// The record's bytes in the file, compressed or not.
        let data: Range<Int>
        /// Its size once decompressed.
        let size: Int
        let stored: Bool
    }

    private static func integer(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int, _ width: Int) -> Int? {
        guard offset >= 0, offset + width <= bytes.count else { return nil }
        var value = 0
        for index in (0..<width).reversed() { value = value << 8 | Int(bytes[offset + index]) }
        return value
    }

    /// Returns the records of the zip's central directory; a file that is not a zip returns
    /// none and is left to libtorch's own error.
    static func records(_ bytes: UnsafeBufferPointer<UInt8>) throws -> [Record] {
        // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
        let lowest = max(0, bytes.count - 65_557)
        guard let end = stride(from: bytes.count - 22, through: lowest, by: -1)
            .first(where: { integer(bytes, $0, 4) == 0x0605_4B50 }) else { return [] }
        guard var count = integer(bytes, end + 10, 2), var offset = integer(bytes, end + 16, 4) else { return [] }
        if count == 0xFFFF || offset == 0xFFFF_FFFF, integer(bytes, end - 20, 4) == 0x0706_4B50,
           let zip64 = integer(bytes, end - 12, 8), integer(bytes, zip64, 4) == 0x0606_4B50 {
            count = integer(bytes, zip64 + 32, 8) ?? 0
            offset = integer(bytes, zip64 + 48, 8) ?? Int.max
        }
        guard count <= bytes.count / 46, offset <= bytes.count else {
            throw TorchError("the zip directory claims \(count) records at byte \(offset) of a \(bytes.count)-byte file")
        }
        var records: [Record] = []
        for _ in 0..<count {
            guard integer(bytes, offset, 4) == 0x0201_4B50, let method = integer(bytes, offset + 10, 2),
                  var compressed = integer(bytes, offset + 20, 4), var size = integer(bytes, offset + 24, 4),
                  let nameLength = integer(bytes, offset + 28, 2), let extraLength = integer(bytes, offset + 30, 2),
                  let commentLength = integer(bytes, offset + 32, 2), var local = integer(bytes, offset + 42, 4),
                  offset + 46 + nameLength <= bytes.count
            else { throw TorchError("the zip directory is damaged at byte \(offset)") }
            // Control characters in a damaged name are escaped so that messages stay on one line.
            let name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
                .unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }
                .joined()
            // Zip64 sizes and offset follow in extra field 1, in this order, when the 32-bit
            // fields are all ones.
            var extra = offset + 46 + nameLength
            while extra + 4 <= offset + 46 + nameLength + extraLength {
                let id = integer(bytes, extra, 2) ?? 0
                let length = integer(bytes, extra + 2, 2) ?? 0
                if id == 1 {
                    var field = extra + 4
                    if size == 0xFFFF_FFFF {
                        size = integer(bytes, field, 8) ?? Int.max
                        field += 8
                    }
                    if compressed == 0xFFFF_FFFF {
                        compressed = integer(bytes, field, 8) ?? Int.max
                        field += 8
                    }
                    if local == 0xFFFF_FFFF { local = integer(bytes, field, 8) ?? Int.max }
                }
                extra += 4 + length
            }
            guard let localName = integer(bytes, local + 26, 2), let localExtra = integer(bytes, local + 28, 2),
                  integer(bytes, local, 4) == 0x0403_4B50 else {
                throw TorchError("record \(name): its local header at byte \(local) is missing or damaged")
            }
            let start = local + 30 + localName + localExtra
            // Deflate expands at most about 1032-fold, and a stored record is its own size.
            let expansion = compressed.multipliedReportingOverflow(by: 1032)
            let plausible = method == 0 ? size == compressed : !expansion.overflow && size <= expansion.partialValue + 64
            guard start <= bytes.count, compressed <= bytes.count - start, plausible else {
                throw TorchError("record \(name) claims \(size) bytes (\(compressed) in the file) at byte \(start) "
                    + "of a \(bytes.count)-byte file")
            }
            records.append(Record(name: name, data: start..<(start + compressed), size: size, stored: method == 0))
            offset += 46 + nameLength + extraLength + commentLength
        }
        return records
    }

    // MARK: - Pickles

    /// Argument sizes of the pickle opcodes (protocols 0 to 5) with fixed-size arguments.
    private static let fixedArguments: [UInt8: Int] = {
        var sizes: [UInt8: Int] = [:]
        for opcode in "(.012NQRabd}eltu)s]o".utf8 { sizes[opcode] = 0 }
        for (opcode, size) in [("J", 4), ("K", 1), ("M", 2), ("h", 1), ("j", 4), ("q", 1), ("r", 4), ("G", 8)] {
            sizes[UInt8(ascii: Unicode.Scalar(opcode)!)] = size
        }
        for (opcode, size) in [(0x80, 1), (0x81, 0), (0x82, 1), (0x83, 2), (0x84, 4), (0x85, 0), (0x86, 0), (0x87, 0),
                               (0x88, 0), (0x89, 0), (0x8F, 0), (0x90, 0), (0x91, 0), (0x92, 0), (0x93, 0), (0x94, 0),
                               (0x95, 8), (0x97, 0), (0x98, 0)] {
            sizes[UInt8(opcode)] = size
        }
        return sizes
    }()

    /// Opcodes followed by a length of 1, 4 or 8 bytes and then that many bytes.
    private static let lengthPrefixed: [UInt8: Int] = [
        UInt8(ascii: "T"): 4, UInt8(ascii: "U"): 1, UInt8(ascii: "X"): 4, UInt8(ascii: "B"): 4, UInt8(ascii: "C"): 1,
        0x8A: 1, 0x8B: 4, 0x8C: 1, 0x8D: 8, 0x8E: 8, 0x96: 8,
    ]

    /// Opcodes whose argument ends at a newline (text protocol 0), two lines for GLOBAL and INST.
    private static let lineArguments: [UInt8: Int] = [
        UInt8(ascii: "F"): 1, UInt8(ascii: "I"): 1, UInt8(ascii: "L"): 1, UInt8(ascii: "P"): 1, UInt8(ascii: "S"): 1,
        UInt8(ascii: "V"): 1, UInt8(ascii: "g"): 1, UInt8(ascii: "p"): 1, UInt8(ascii: "c"): 2, UInt8(ascii: "i"): 2,
    ]

    /// Walks the opcodes of one pickle record. An unknown opcode ends the walk, as libtorch
    /// then fails on its own.
    static func checkPickle(_ pickle: UnsafeBufferPointer<UInt8>.SubSequence, name: String) throws {
        var index = pickle.startIndex
        let end = pickle.endIndex
        let memoLimit = pickle.count
        while index < end {
            let opcode = pickle[index]
            index += 1
            if opcode == UInt8(ascii: ".") { return }
            if let size = fixedArguments[opcode] {
                guard index + size <= end else { throw truncated(name) }
                if [UInt8(ascii: "q"), UInt8(ascii: "r"), UInt8(ascii: "h"), UInt8(ascii: "j")].contains(opcode) {
                    var memo = 0
                    for offset in (0..<size).reversed() { memo = memo << 8 | Int(pickle[index + offset]) }
                    guard memo < memoLimit else {
                        throw TorchError("\(name): pickle memo index \(memo) at byte \(index - pickle.startIndex) "
                            + "exceeds the record's \(memoLimit) bytes")
                    }
                }
                index += size
            } else if let width = lengthPrefixed[opcode] {
                guard index + width <= end else { throw truncated(name) }
                var length = 0
                for offset in (0..<width).reversed() {
                    let (shifted, overflow) = length.multipliedReportingOverflow(by: 256)
                    length = overflow ? Int.max : shifted | Int(pickle[index + offset])
                }
                index += width
                guard length <= end - index else {
                    throw TorchError("\(name): a pickled value claims \(length) bytes at byte "
                        + "\(index - pickle.startIndex), but the record has \(end - index) left")
                }
                index += length
            } else if let lines = lineArguments[opcode] {
                for _ in 0..<lines {
                    while index < end, pickle[index] != 0x0A { index += 1 }
                    guard index < end else { throw truncated(name) }
                    index += 1
                }
            } else {
                return
            }
        }
    }

    private static func truncated(_ name: String) -> TorchError {
        TorchError("\(name): the pickle ends inside an opcode")
    }
}
