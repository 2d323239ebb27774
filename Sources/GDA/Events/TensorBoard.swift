import Foundation

/// Writes TensorBoard event files (`events.out.tfevents.*`) without TensorFlow: a sequence
/// of TFRecords, each holding one hand-encoded `Event` protocol buffer.
///
/// TFRecord framing: length (uint64, little-endian), masked CRC-32C of those 8 bytes, the
/// data, masked CRC-32C of the data. Event fields used: wall_time (1, double), step (2,
/// int64), file_version (3, string), summary (5) with values of tag (1), simple_value (2,
/// float) or image (4: height 1, width 2, colorspace 3, encoded_image_string 4).
public final class TensorBoardSink: MetricSink {
    public let path: String
    private let handle: FileHandle
    private var buffer = Data()

    /// Creates a new event file in `folder`, named as PyTorch's SummaryWriter names them:
    /// `events.out.tfevents.SECONDS.HOST.PID.0`.
    public init(folder: String) throws {
        let seconds = Int(Date().timeIntervalSince1970)
        let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: "/", with: "_")
        var name = "events.out.tfevents.\(seconds).\(host).\(getpid()).0"
        var counter = 0
        while FileManager.default.fileExists(atPath: "\(folder)/\(name)") {
            counter += 1
            name = "events.out.tfevents.\(seconds).\(host).\(getpid()).\(counter)"
        }
        path = "\(folder)/\(name)"
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path)
        else { throw GDAError("\(path): cannot create the TensorBoard event file") }
        self.handle = handle
        var event = ProtoWriter()
        event.double(1, Date().timeIntervalSince1970)
        event.string(3, "brain.Event:2")
        record(event.data)
        try flush()
    }

    deinit {
        try? flush()
        try? handle.close()
    }

    public func scalar(tag: String, value: Double, step: Int) throws {
        var summaryValue = ProtoWriter()
        summaryValue.string(1, tag)
        summaryValue.float(2, Float(value))
        write(summaryValue: summaryValue.data, step: step)
    }

    public func image(tag: String, png: Data, step: Int) throws {
        guard let header = PNGHeader(png) else {
            throw GDAError("image '\(tag)' for TensorBoard is not PNG data")
        }
        var image = ProtoWriter()
        image.varint(1, UInt64(header.height))
        image.varint(2, UInt64(header.width))
        image.varint(3, UInt64(header.channels))
        image.bytes(4, png)
        var summaryValue = ProtoWriter()
        summaryValue.string(1, tag)
        summaryValue.bytes(4, image.data)
        write(summaryValue: summaryValue.data, step: step)
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
            try handle.synchronize()
        } catch {
            throw GDAError("\(path): cannot write TensorBoard events: \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    // MARK: - Encoding

    private func write(summaryValue: Data, step: Int) {
        var summary = ProtoWriter()
        summary.bytes(1, summaryValue)
        var event = ProtoWriter()
        event.double(1, Date().timeIntervalSince1970)
        event.varint(2, UInt64(bitPattern: Int64(step)))
        event.bytes(5, summary.data)
        record(event.data)
    }

    /// Appends one TFRecord to the buffer.
    private func record(_ data: Data) {
        var length = Data()
        withUnsafeBytes(of: UInt64(data.count).littleEndian) { length.append(contentsOf: $0) }
        buffer.append(length)
        appendUInt32(CRC32C.masked(length))
        buffer.append(data)
        appendUInt32(CRC32C.masked(data))
    }

    private func appendUInt32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }
}

/// Width, height and channel count from a PNG's IHDR chunk.
struct PNGHeader {
    let width: Int
    let height: Int
    let channels: Int

    init?(_ png: Data) {
        let bytes = [UInt8](png.prefix(26))
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count == 26, Array(bytes[0..<8]) == signature else { return nil }
        func bigEndian(_ start: Int) -> Int {
            bytes[start..<(start + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
        width = bigEndian(16)
        height = bigEndian(20)
        // Colour types: 0 grey, 2 RGB, 3 palette, 4 grey and alpha, 6 RGB and alpha.
        switch bytes[25] {
        case 0: channels = 1
        case 4: channels = 2
        case 6: channels = 4
        default: channels = 3
        }
    }
}

/// A protocol buffer message written field by field.
struct ProtoWriter {
    private(set) var data = Data()

    mutating func varint(_ field: Int, _ value: UInt64) {
        key(field, wireType: 0)
        rawVarint(value)
    }

    mutating func double(_ field: Int, _ value: Double) {
        key(field, wireType: 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func float(_ field: Int, _ value: Float) {
        key(field, wireType: 5)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func bytes(_ field: Int, _ value: Data) {
        key(field, wireType: 2)
        rawVarint(UInt64(value.count))
        data.append(value)
    }

    mutating func string(_ field: Int, _ value: String) {
        bytes(field, Data(value.utf8))
    }

    private mutating func key(_ field: Int, wireType: UInt64) {
        rawVarint(UInt64(field) << 3 | wireType)
    }

    private mutating func rawVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            data.append(UInt8(remaining & 0x7F) | 0x80)
            remaining >>= 7
        }
        data.append(UInt8(remaining))
    }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord framing uses it.
enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    static func checksum(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's masked form: rotate right by 15 bits, then add 0xA282EAD8.
    static func masked(_ data: Data) -> UInt32 {
        let crc = checksum(data)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
