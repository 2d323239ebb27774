import Foundation
import Torch

/// Tidies a GAN run folder that a killed process left behind, before the run resumes from
/// its newest checkpoint:
///
/// - temporary files of atomic writes that never reached their rename (`.NAME.tmp-PID-ID`,
///   from a process that is no longer running) are deleted;
/// - `metrics.jsonl` loses a torn last line and the records of steps after the checkpoint,
///   which the resumed run writes again;
/// - each TensorBoard event file loses a torn record at its end.
///
/// Every file is either left alone or replaced whole, so a kill during the repair itself
/// leaves the folder as it was or repaired.
enum RunRepair {
    static func prepareResume(_ folder: String, step: Int) throws {
        for sub in ["", "/checkpoints", "/samples"] {
            removeTemporaries("\(folder)\(sub)")
        }
        try trimMetrics("\(folder)/metrics.jsonl", afterStep: step)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names.sorted() where name.hasPrefix("events.out.tfevents.") {
            try trimEvents("\(folder)/\(name)")
        }
    }

    // MARK: - Temporary files

    /// Deletes `.NAME.tmp-PID-ID` files, as `AtomicFile` names them, whose process has ended.
    static func removeTemporaries(_ folder: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: ".tmp-") else { continue }
            let pidText = name[marker.upperBound...].prefix { $0.isNumber }
            guard let pid = Int32(pidText), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: "\(folder)/\(name)")
        }
    }

    // MARK: - metrics.jsonl

    /// Keeps the complete lines of `path` whose step is at most `step`; rewrites the file only
    /// when a line goes.
    static func trimMetrics(_ path: String, afterStep step: Int) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let data = try InputFile.read(path, maximumBytes: 1 << 30, kind: "a metrics file")
        var kept = Data()
        var dropped = 0
        var start = data.startIndex
        while start < data.endIndex {
            guard let newline = data[start...].firstIndex(of: 0x0A) else {
                dropped += 1
                break
            }
            let line = data[start...newline]
            let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any]
            if let lineStep = object?["step"] as? Int, lineStep <= step {
                kept.append(line)
            } else {
                dropped += 1
            }
            start = data.index(after: newline)
        }
        guard dropped > 0 else { return }
        try GANCheckpoint.wrap { try AtomicFile.write(kept, to: path) }
    }

    // MARK: - TensorBoard events

    /// Cuts an event file after its last complete TFRecord (8-byte length, 4-byte CRC, data,
    /// 4-byte CRC).
    static func trimEvents(_ path: String) throws {
        guard let handle = FileHandle(forUpdatingAtPath: path) else { return }
        defer { try? handle.close() }
        let size = Int(try handle.seekToEnd())
        var offset = 0
        while offset + 12 <= size {
            try handle.seek(toOffset: UInt64(offset))
            let header = try handle.read(upToCount: 8) ?? Data()
            guard header.count == 8 else { break }
            let length = header.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            guard length <= UInt64(size), offset + 16 + Int(length) <= size else { break }
            offset += 16 + Int(length)
        }
        if offset < size {
            try handle.truncate(atOffset: UInt64(offset))
            try handle.synchronize()
        }
    }
}
