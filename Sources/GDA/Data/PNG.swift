import CPNG
import Foundation
import Torch

/// An 8-bit image: bytes in C×H×W order (planar, as tensors hold them).
public struct Image: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var pixels: [UInt8]

    public init(channels: Int, height: Int, width: Int, pixels: [UInt8]) {
        precondition(pixels.count == channels * height * width, "pixel count does not match the shape")
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    /// A (C, H, W) or (1, C, H, W) uint8 tensor as an image.
    public init(_ tensor: Tensor) throws {
        var shape = tensor.shape
        if shape.count == 4, shape[0] == 1 { shape.removeFirst() }
        guard shape.count == 3 else { throw GDAError("an image tensor must be (C, H, W), found \(tensor.shape)") }
        self.init(channels: shape[0], height: shape[1], width: shape[2],
                  pixels: try tensor.to(.uint8).scalars(as: UInt8.self))
    }
}

/// PNG reading and writing through libpng's simplified API, which reports errors through
/// its return value instead of jumping out of the caller.
public enum PNG {
    // libpng's PNG_FORMAT_GRAY and PNG_FORMAT_RGB (the colour flag, 2), which Swift does not import.
    private static let formatGray: png_uint_32 = 0
    private static let formatRGB: png_uint_32 = 2

    /// Encodes a 1-channel (grey) or 3-channel (RGB) image.
    public static func encode(_ image: Image) throws -> Data {
        guard image.channels == 1 || image.channels == 3 else {
            throw GDAError("PNG images need 1 or 3 channels, found \(image.channels)")
        }
        let interleaved = interleave(image)
        var png = emptyImage()
        png.width = png_uint_32(image.width)
        png.height = png_uint_32(image.height)
        png.format = image.channels == 3 ? formatRGB : formatGray
        let rowStride = Int32(image.width * image.channels)
        var size: Int = 0
        let measured = interleaved.withUnsafeBytes {
            png_image_write_to_memory(&png, nil, &size, 0, $0.baseAddress, rowStride, nil)
        }
        guard measured != 0 else { throw GDAError("cannot encode PNG: \(message(&png))") }
        var data = Data(count: size)
        let written = data.withUnsafeMutableBytes { output in
            interleaved.withUnsafeBytes {
                png_image_write_to_memory(&png, output.baseAddress, &size, 0, $0.baseAddress, rowStride, nil)
            }
        }
        guard written != 0 else { throw GDAError("cannot encode PNG: \(message(&png))") }
        return data.prefix(size)
    }

    /// Writes an image to `path` atomically.
    public static func write(_ image: Image, to path: String) throws {
        do {
            try AtomicFile.write(try encode(image), to: path)
        } catch let error as TorchError {
            throw GDAError(error.message)
        }
    }

    /// Decodes a PNG into grey or RGB bytes, as it is stored: `channels` 1 for grey files, 3
    /// for colour files (alpha is composited onto black).
    public static func decode(_ data: Data, name: String = "PNG data") throws -> Image {
        var png = emptyImage()
        let begun = data.withUnsafeBytes { png_image_begin_read_from_memory(&png, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw GDAError("\(name): not a valid PNG file (\(message(&png)))") }
        defer { png_image_free(&png) }
        let colour = png.format & formatRGB != 0
        let channels = colour ? 3 : 1
        png.format = colour ? formatRGB : formatGray
        let width = Int(png.width), height = Int(png.height)
        // Bounds the allocation: no image gda reads needs more than 64 Mpixels.
        guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16, width * height <= 1 << 26 else {
            throw GDAError("\(name): PNG size \(width)x\(height) is out of range")
        }
        // Each pixel takes at least one bit before compression, and deflate shrinks data at
        // most about 1032-fold (10^8 zero bytes shrink 1029-fold at zlib level 9), so a header
        // that claims more than 8 × 1032 pixels per byte of the file is corrupt. Checking it
        // here keeps a 100-byte file from allocating the 64 Mpixel maximum.
        guard width * height <= 8 * 1032 * data.count else {
            throw GDAError("\(name): PNG size \(width)x\(height) is out of range for a file of "
                + "\(data.count) bytes; the header is corrupt")
        }
        var buffer = [UInt8](repeating: 0, count: width * height * channels)
        var background = png_color(red: 0, green: 0, blue: 0)
        let finished = data.withUnsafeBytes { _ in
            buffer.withUnsafeMutableBytes {
                png_image_finish_read(&png, &background, $0.baseAddress, Int32(width * channels), nil)
            }
        }
        guard finished != 0 else { throw GDAError("\(name): corrupt PNG data (\(message(&png)))") }
        return Image(channels: channels, height: height, width: width,
                     pixels: planar(buffer, channels: channels, height: height, width: width))
    }

    public static func read(_ path: String) throws -> Image {
        let data = try InputFile.read(path, maximumBytes: 1 << 30, kind: "a PNG file")
        return try decode(data, name: path)
    }

    // MARK: - Layout

    private static func interleave(_ image: Image) -> [UInt8] {
        guard image.channels > 1 else { return image.pixels }
        let plane = image.height * image.width
        var result = [UInt8](repeating: 0, count: image.pixels.count)
        for pixel in 0..<plane {
            for channel in 0..<image.channels {
                result[pixel * image.channels + channel] = image.pixels[channel * plane + pixel]
            }
        }
        return result
    }

    private static func planar(_ bytes: [UInt8], channels: Int, height: Int, width: Int) -> [UInt8] {
        guard channels > 1 else { return bytes }
        let plane = height * width
        var result = [UInt8](repeating: 0, count: bytes.count)
        for pixel in 0..<plane {
            for channel in 0..<channels {
                result[channel * plane + pixel] = bytes[pixel * channels + channel]
            }
        }
        return result
    }

    /// A zeroed control structure, as libpng's simplified API requires before each use.
    private static func emptyImage() -> png_image {
        let pointer = UnsafeMutablePointer<png_image>.allocate(capacity: 1)
        defer { pointer.deallocate() }
        UnsafeMutableRawPointer(pointer).initializeMemory(as: UInt8.self, repeating: 0,
                                                         count: MemoryLayout<png_image>.size)
        pointer.pointee.version = png_uint_32(PNG_IMAGE_VERSION)
        return pointer.pointee
    }

    private static func message(_ png: inout png_image) -> String {
        withUnsafeBytes(of: &png.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

/// Tiles a batch of images into one image.
public enum ImageGrid {
    /// Lays out (N, C, H, W) uint8 images row-major in `columns` columns with `padding`
    /// pixels of `background` between them.
    public static func make(_ images: Tensor, columns: Int, padding: Int = 2, background: UInt8 = 255) throws -> Image {
        let shape = images.shape
        guard shape.count == 4, shape[0] > 0 else { throw GDAError("a grid needs (N, C, H, W) images, found \(shape)") }
        let (count, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let columns = Swift.max(1, Swift.min(columns, count))
        let rows = (count + columns - 1) / columns
        let gridHeight = rows * height + (rows + 1) * padding
        let gridWidth = columns * width + (columns + 1) * padding
        let pixels = try images.to(.uint8).scalars(as: UInt8.self)
        var grid = [UInt8](repeating: background, count: channels * gridHeight * gridWidth)
        for index in 0..<count {
            let top = padding + (index / columns) * (height + padding)
            let left = padding + (index % columns) * (width + padding)
            for channel in 0..<channels {
                for row in 0..<height {
                    let source = ((index * channels + channel) * height + row) * width
                    let target = (channel * gridHeight + top + row) * gridWidth + left
                    grid.replaceSubrange(target..<(target + width), with: pixels[source..<(source + width)])
                }
            }
        }
        return Image(channels: channels, height: gridHeight, width: gridWidth, pixels: grid)
    }
}
