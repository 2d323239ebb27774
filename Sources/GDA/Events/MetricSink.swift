import Foundation

/// A destination for a run's metrics. Tags are paths such as `loss/d` or `fid/domain`, and
/// steps are the training steps the values belong to. Every stage of a run writes to the
/// same sink.
public protocol MetricSink: AnyObject {
    func scalar(tag: String, value: Double, step: Int) throws
    /// Records a PNG-encoded image, such as a sample grid.
    func image(tag: String, png: Data, step: Int) throws
    /// Pushes buffered records to disk.
    func flush() throws
}

/// "nan", "inf" or "-inf", the spelling Python and numpy print and parse.
func nonFiniteName(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    return value > 0 ? "inf" : "-inf"
}

/// Sends every record to each of several sinks, in order.
public final class MultiSink: MetricSink {
    public let sinks: [MetricSink]

    public init(_ sinks: [MetricSink]) {
        self.sinks = sinks
    }

    public func scalar(tag: String, value: Double, step: Int) throws {
        for sink in sinks { try sink.scalar(tag: tag, value: value, step: step) }
    }

    public func image(tag: String, png: Data, step: Int) throws {
        for sink in sinks { try sink.image(tag: tag, png: png, step: step) }
    }

    public func flush() throws {
        for sink in sinks { try sink.flush() }
    }
}

/// Appends one JSON object per line: `{"step":S,"tag":"loss/d","value":V,"wall_time":T}`.
/// Images are recorded by tag and byte count only; the PNG itself goes to the other sinks.
public final class JSONLinesSink: MetricSink {
    public let path: String
    private let handle: FileHandle
    private var buffer = Data()

    /// Opens `path` for appending, creating it when missing.
    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw GDAError("\(path): cannot create the metrics file")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw GDAError("\(path): cannot open the metrics file for writing")
        }
        self.handle = handle
        try handle.seekToEnd()
    }

    deinit {
        try? flush()
        try? handle.close()
    }

    public func scalar(tag: String, value: Double, step: Int) throws {
        // JSON has no NaN or infinity, so such values are written as strings.
        let number = value.isFinite ? "\(value)" : "\"\(nonFiniteName(value))\""
        append("{\"step\":\(step),\"tag\":\(quoted(tag)),\"value\":\(number),"
            + "\"wall_time\":\(Date().timeIntervalSince1970)}\n")
    }

    public func image(tag: String, png: Data, step: Int) throws {
        append("{\"step\":\(step),\"tag\":\(quoted(tag)),\"image_bytes\":\(png.count),"
            + "\"wall_time\":\(Date().timeIntervalSince1970)}\n")
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
            try handle.synchronize()
        } catch {
            throw GDAError("\(path): cannot write metrics: \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func append(_ line: String) {
        buffer.append(contentsOf: Data(line.utf8))
    }

    private func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
