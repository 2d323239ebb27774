import Foundation
import GDA
import TestSupport
import Testing
import Torch

@Suite("PNG and image grids")
struct PNGTests {
    /// Returns a deterministic image in which every byte value occurs.
    static func pattern(channels: Int, height: Int, width: Int) -> Image {
        let count = channels * height * width
        return Image(channels: channels, height: height, width: width,
                     pixels: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 7) })
    }

    @Test("round trip is byte-identical", arguments: [1, 3])
    func roundTrip(channels: Int) throws {
        let image = Self.pattern(channels: channels, height: 9, width: 13)
        let encoded = try PNG.encode(image)
        let decoded = try PNG.decode(encoded)
        #expect(decoded == image)
        #expect(try PNG.encode(decoded) == encoded)
    }

    @Test("file round trip is byte-identical", arguments: [1, 3])
    func fileRoundTrip(channels: Int) throws {
        let path = try Oracle.temporaryFolder() + "/image.png"
        let image = Self.pattern(channels: channels, height: 5, width: 6)
        try PNG.write(image, to: path)
        let first = try Data(contentsOf: URL(fileURLWithPath: path))
        try PNG.write(try PNG.read(path), to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == first)
        #expect(try PNG.read(path) == image)
    }

    @Test("PIL reads our PNG", arguments: [1, 3])
    func pillowReadsOurs(channels: Int) throws {
        let path = try Oracle.temporaryFolder() + "/ours.png"
        let image = Self.pattern(channels: channels, height: 7, width: 4)
        try PNG.write(image, to: path)
        let read = try Oracle.json("data_files.py", ["png-read", path])
        #expect(read["mode"] as? String == (channels == 1 ? "L" : "RGB"))
        #expect(read["shape"] as? [Int] == [channels, 7, 4])
        #expect(DataFixtures.bytes(read, "pixels") == image.pixels)
    }

    @Test("we read PIL's PNG", arguments: [1, 3])
    func weReadPillows(channels: Int) throws {
        let path = try Oracle.temporaryFolder() + "/pil.png"
        let written = try Oracle.json("data_files.py", ["png-write", path, "\(channels)", "6", "11", "3"])
        let image = try PNG.read(path)
        #expect(image.channels == channels)
        #expect(image.height == 6)
        #expect(image.width == 11)
        #expect(image.pixels == DataFixtures.bytes(written, "pixels"))
    }

    @Test("corrupt PNG is rejected")
    func corrupt() throws {
        let folder = try Oracle.temporaryFolder()
        let garbage = folder + "/garbage.png"
        try DataFixtures.write(Array("not a png at all".utf8), to: garbage)
        let garbageError = DataFixtures.errorMessage { _ = try PNG.read(garbage) }
        #expect(garbageError?.message.hasPrefix("\(garbage): not a valid PNG file") == true)

        let cut = folder + "/cut.png"
        let encoded = try PNG.encode(Self.pattern(channels: 3, height: 20, width: 20))
        try encoded.prefix(encoded.count - 40).write(to: URL(fileURLWithPath: cut))
        let cutError = DataFixtures.errorMessage { _ = try PNG.read(cut) }
        #expect(cutError?.message.hasPrefix("\(cut): ") == true)

        let missing = folder + "/missing.png"
        let missingError = DataFixtures.errorMessage { _ = try PNG.read(missing) }
        #expect(missingError?.message.hasPrefix(missing) == true)
    }

    @Test("grid places images row-major")
    func gridLayout() throws {
        // Three 1×2×2 images of constant value 10, 20, 30, two columns, one pixel of padding.
        let bytes: [UInt8] = [10, 10, 10, 10, 20, 20, 20, 20, 30, 30, 30, 30]
        let grid = try ImageGrid.make(try Tensor(bytes, shape: [3, 1, 2, 2]), columns: 2, padding: 1, background: 255)
        #expect(grid.channels == 1)
        #expect(grid.height == 2 * 2 + 3)
        #expect(grid.width == 2 * 2 + 3)
        let rows = (0..<grid.height).map { Array(grid.pixels[($0 * grid.width)..<(($0 + 1) * grid.width)]) }
        #expect(rows[0] == [255, 255, 255, 255, 255, 255, 255])
        #expect(rows[1] == [255, 10, 10, 255, 20, 20, 255])
        #expect(rows[2] == [255, 10, 10, 255, 20, 20, 255])
        #expect(rows[4] == [255, 30, 30, 255, 255, 255, 255])
        #expect(rows[6] == [255, 255, 255, 255, 255, 255, 255])
    }
}

@Suite("Class preview grid")
struct ClassGridTests {
    @Test("one row per class")
    func rowsFollowClasses() throws {
        // Class c's images are filled with the byte 10·c + 10; class 2 has one image only.
        let labels: [Int32] = [0, 1, 0, 1, 2, 0, 1]
        let images = labels.flatMap { [UInt8](repeating: UInt8(10 * $0 + 10), count: 4) }
        let dataset = Dataset(name: "rows", images: images, labels: labels, channels: 1, height: 2, width: 2,
                              classNames: ["a", "b", "c"])
        let grid = try ImageGrid.classRows(dataset, perClass: 2, seed: 1, padding: 1)
        #expect(grid.height == 3 * 2 + 4)
        #expect(grid.width == 2 * 2 + 3)
        func pixel(_ row: Int, _ column: Int) -> UInt8 {
            grid.pixels[(1 + row * 3) * grid.width + 1 + column * 3]
        }
        #expect(pixel(0, 0) == 10)
        #expect(pixel(0, 1) == 10)
        #expect(pixel(1, 0) == 20)
        #expect(pixel(1, 1) == 20)
        #expect(pixel(2, 0) == 30)
        #expect(pixel(2, 1) == 255)
    }
}
