import CZlib
import Foundation
import GDA
import TestSupport
import Testing

/// Helpers shared by the dataset tests: files built byte by byte, and oracle output decoding.
enum DataFixtures {
    /// Returns an IDX file's bytes: a magic of two zero bytes, `type` and the rank, then big-endian
    /// dimensions and `data`.
    static func idxBytes(dimensions: [Int], data: [UInt8], type: UInt8 = 0x08, magicPrefix: [UInt8] = [0, 0]) -> [UInt8] {
        var bytes = magicPrefix + [type, UInt8(dimensions.count)]
        for dimension in dimensions {
            bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: dimension >> $0) }
        }
        return bytes + data
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Writes `bytes` gzip-compressed through zlib.
    static func writeGzip(_ bytes: [UInt8], to path: String) throws {
        guard let file = gzopen(path, "wb") else { throw FixtureError("cannot open \(path)") }
        let written = bytes.withUnsafeBufferPointer { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        gzclose(file)
        guard written == bytes.count else { throw FixtureError("short write to \(path)") }
    }

    /// Returns the GDAError `body` throws, or nil (with a recorded issue) when it
    /// throws something else or nothing.
    static func errorMessage(_ body: () throws -> Void) -> GDAError? {
        do {
            try body()
            Issue.record("expected a GDAError, but nothing was thrown")
        } catch let error as GDAError {
            return error
        } catch {
            Issue.record("expected a GDAError, found \(error)")
        }
        return nil
    }

    static func bytes(_ object: [String: Any], _ key: String) -> [UInt8] {
        (object[key] as? [Int] ?? []).map { UInt8($0) }
    }

    static func labels(_ object: [String: Any]) -> [Int32] {
        (object["labels"] as? [Int] ?? []).map { Int32($0) }
    }

    /// Returns a dataset of 1×1×2 images whose two bytes encode the image's index, with the given
    /// number of images per class, the classes interleaved.
    static func indexed(classCounts: [Int]) -> Dataset {
        var labels = [Int32]()
        var remaining = classCounts
        while remaining.contains(where: { $0 > 0 }) {
            for label in remaining.indices where remaining[label] > 0 {
                labels.append(Int32(label))
                remaining[label] -= 1
            }
        }
        let images = labels.indices.flatMap { [UInt8($0 >> 8), UInt8($0 & 255)] }
        return Dataset(name: "indexed", images: images, labels: labels, channels: 1, height: 1, width: 2,
                       classNames: classCounts.indices.map { "class \($0)" })
    }

    /// Returns the original indices of an `indexed` dataset's images.
    static func originalIndices(_ dataset: Dataset) -> [Int] {
        (0..<dataset.count).map { Int(dataset.images[2 * $0]) << 8 | Int(dataset.images[2 * $0 + 1]) }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
