import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

/// A `gda` child process started as one rank of a run on 127.0.0.1, its output going to
/// files so that a test can read it while the process runs.
final class RankProcess {
    let process = Process()
    let outputPath: String
    let errorPath: String
    let started = Date()

    /// The `gda` executable built next to the test bundle.
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0])
        .deletingLastPathComponent().appendingPathComponent("gda").path

    /// Starts `gda arguments` with `environment` added to this process's own (one libtorch
    /// thread, so that results do not depend on the thread count).
    init(_ arguments: [String], environment: [String: String], logs folder: String, name: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable),
                     "gda is not built at \(Self.executable)")
        outputPath = "\(folder)/\(name).out"
        errorPath = "\(folder)/\(name).err"
        for path in [outputPath, errorPath] {
            try #require(FileManager.default.createFile(atPath: path, contents: nil), "cannot create \(path)")
        }
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for key in ["RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_NTASKS",
                    "SLURM_PROCID", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN"] {
            merged[key] = nil
        }
        merged["OMP_NUM_THREADS"] = "1"
        merged.merge(environment) { $1 }
        process.environment = merged
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        try process.run()
    }

    /// Starts rank `rank` of `worldSize` with the env:// variables torchrun sets.
    convenience init(rank: Int, of worldSize: Int, port: Int, _ arguments: [String], logs folder: String,
                     timeout: Double = 60, extra: [String: String] = [:]) throws {
        var environment = ["MASTER_ADDR": "127.0.0.1", "MASTER_PORT": String(port), "RANK": String(rank),
                           "WORLD_SIZE": String(worldSize), "LOCAL_RANK": String(rank),
                           "GDA_DIST_TIMEOUT": String(timeout)]
        environment.merge(extra) { $1 }
        try self.init(arguments, environment: environment, logs: folder, name: "rank\(rank)")
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Waits for the process to exit; kills it and returns nil after `seconds`.
    func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// Waits until standard error contains `text`; false after `seconds` or when the process exited.
    func waitForError(_ text: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if errors.contains(text) { return true }
            if !process.isRunning { return errors.contains(text) }
            usleep(20_000)
        }
        return false
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// The value of the `params-digest=` line, if printed.
    var digest: String? {
        output.split(separator: "\n").first { $0.hasPrefix("params-digest=") }.map { String($0.dropFirst(14)) }
    }
}

enum DistributedFixtures {
    /// Creates a new empty folder under the temporary directory.
    static func folder(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "gda-dist-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Deletes the folders a test made.
    static func remove(_ folders: String...) {
        for folder in folders { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// Returns a small learnable dataset of 1×28×28 images in `classes` classes. Each class
    /// lights its own band of rows, over seeded noise.
    static func dataset(count: Int, classes: Int = 3, seed: UInt64) -> Dataset {
        var state = seed
        var images = [UInt8](repeating: 0, count: count * 28 * 28)
        var labels: [Int32] = []
        for index in 0..<count {
            let label = index % classes
            labels.append(Int32(label))
            for pixel in 0..<(28 * 28) {
                state = Seeds.splitMix(state)
                let row = pixel / 28
                let band = row / (28 / classes) == label
                images[index * 28 * 28 + pixel] = UInt8(truncatingIfNeeded: state % 96) &+ (band ? 150 : 0)
            }
        }
        return Dataset(name: "bands", images: images, labels: labels, channels: 1, height: 28, width: 28,
                       classNames: (0..<classes).map { "band \($0)" })
    }

    /// Writes an IDX folder (train and t10k splits) readable as `--dataset idx:FOLDER`.
    static func idxFolder(train: Int, test: Int) throws -> String {
        let path = try folder("data")
        _ = try IDX.write(dataset(count: train, seed: 1), folder: path, prefix: "train")
        _ = try IDX.write(dataset(count: test, seed: 2), folder: path, prefix: "t10k")
        return path
    }
}
