import Foundation

/// Random edits of a valid file in the style of AFL's havoc stage: bit flips, bytes and
/// integers set to boundary values, insertions, deletions, duplicated ranges, truncation and
/// dictionary tokens, one to four of them stacked per case. Header fields named by the target
/// are hit more often than the rest of the file.
public struct FuzzMutator {
    public var random: SplitMix64

    /// Byte ranges of header fields (lengths, dimensions, offsets, checksums).
    public var fields: [Range<Int>] = []
    /// Tokens spliced in whole, such as JSON keys and numbers.
    public var dictionary: [[UInt8]] = []

    public init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 0x10, 0x20, 0x40]
    static let interestingIntegers: [UInt64] = [
        0, 1, 2, 7, 8, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 1 << 30, 1 << 40,
    ]

    /// Returns `input` with one to four random edits.
    public mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        let edits = Int.random(in: 1...4, using: &random)
        for _ in 0..<edits {
            edit(&bytes)
        }
        return bytes
    }

    private mutating func edit(_ bytes: inout [UInt8]) {
        let choice = Int.random(in: 0..<12, using: &random)
        if bytes.isEmpty && choice < 8 {
            bytes = randomBytes(Int.random(in: 1...16, using: &random))
            return
        }
        switch choice {
        case 0, 1:
            let position = self.position(in: bytes)
            bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 2:
            bytes[position(in: bytes)] = Self.interestingBytes.randomElement(using: &random) ?? 0
        case 3, 4:
            overwriteInteger(&bytes)
        case 5:
            let start = position(in: bytes)
            let count = Int.random(in: 1...min(64, bytes.count - start), using: &random)
            bytes.removeSubrange(start..<(start + count))
        case 6:
            let start = position(in: bytes)
            let count = Int.random(in: 1...min(128, bytes.count - start), using: &random)
            let copy = Array(bytes[start..<(start + count)])
            bytes.insert(contentsOf: copy, at: Int.random(in: 0...bytes.count, using: &random))
        case 7:
            bytes.removeSubrange(Int.random(in: 0..<bytes.count, using: &random)...)
        case 8:
            let insert = randomBytes(Int.random(in: 1...16, using: &random))
            bytes.insert(contentsOf: insert, at: Int.random(in: 0...bytes.count, using: &random))
        case 9, 10:
            spliceToken(&bytes)
        default:
            bytes += randomBytes(Int.random(in: 1...64, using: &random))
        }
    }

    /// Returns a position, inside a header field two times in three when the target names
    /// fields.
    private mutating func position(in bytes: [UInt8]) -> Int {
        let inFields = fields.filter { $0.lowerBound < bytes.count }
        if !inFields.isEmpty, Int.random(in: 0..<3, using: &random) < 2,
           let field = inFields.randomElement(using: &random) {
            return Int.random(in: field.lowerBound..<min(field.upperBound, bytes.count), using: &random)
        }
        return Int.random(in: 0..<bytes.count, using: &random)
    }

    /// Writes a boundary integer of 1, 2, 4 or 8 bytes, either byte order, at a position.
    private mutating func overwriteInteger(_ bytes: inout [UInt8]) {
        let width = [1, 2, 4, 8].randomElement(using: &random) ?? 4
        var value = Self.interestingIntegers.randomElement(using: &random) ?? 0
        if Bool.random(using: &random) { value = random.next() >> UInt64.random(in: 0..<64, using: &random) }
        let start = position(in: bytes)
        let bigEndian = Bool.random(using: &random)
        for offset in 0..<width where start + offset < bytes.count {
            let shift = UInt64(bigEndian ? width - 1 - offset : offset) * 8
            bytes[start + offset] = UInt8(truncatingIfNeeded: value >> shift)
        }
    }

    /// Inserts a dictionary token, or writes it over the bytes at a position.
    private mutating func spliceToken(_ bytes: inout [UInt8]) {
        guard let token = dictionary.randomElement(using: &random) else {
            bytes.append(UInt8.random(in: 0...255, using: &random))
            return
        }
        let start = Int.random(in: 0...bytes.count, using: &random)
        if Bool.random(using: &random) {
            bytes.insert(contentsOf: token, at: start)
        } else {
            let end = min(bytes.count, start + token.count)
            bytes.replaceSubrange(start..<end, with: token)
        }
    }

    private mutating func randomBytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }
}
