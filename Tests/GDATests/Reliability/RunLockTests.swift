import Foundation
@testable import GDA
import TestSupport
import Testing

/// Two real `gda` processes on one run folder: the second exits with status 2 and names the
/// first one's process id. Once the first is killed, the kernel releases the lock.
@Suite("run folder locks", .serialized)
struct RunLockTests {
    /// Starts `gda arguments` in the background, output discarded.
    func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: GDAChild.executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = "1"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits up to 120 seconds for `path` to exist while `process` runs.
    func wait(for path: String, _ process: Process) throws {
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: path) {
            try #require(process.isRunning, "the first gda ended before writing \(path)")
            try #require(Date() < deadline, "\(path) did not appear")
            usleep(20_000)
        }
    }

    func stop(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    @Test("second process on a training run fails")
    func training() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try GDAChild.writeDataset("\(root)/data")
        let run = "\(root)/run"
        let train = ["train", "dcgan", "--dataset", "idx:\(root)/data", "--out", run, "--batch-size", "8"]
        let first = try start(train + ["--steps", "1000000", "--checkpoint-every", "1000000"])
        defer { stop(first) }
        try wait(for: "\(run)/config.json", first)
        let pid = "pid \(first.processIdentifier)"
        let attempts: [(String, [String])] = [
            ("resume", ["train", "--resume", run]),
            ("new run", train + ["--steps", "2"]),
            ("experiment resume", ["experiment", "resume", run]),
        ]
        for (label, arguments) in attempts {
            let second = try GDAChild.run(arguments)
            GDAChild.expectCleanFailure(second, status: 2, naming: "is in use by another gda process (\(pid))", label)
        }
        #expect(first.isRunning, "the first process did not survive the second")

        // SIGKILL leaves the lock file behind, but not the lock.
        stop(first)
        var config = try GANConfig.read("\(run)/config.json")
        config.steps = 2
        try config.json().write(to: URL(fileURLWithPath: "\(run)/config.json"))
        let resumed = try GDAChild.run(["train", "--resume", run])
        #expect(resumed.status == 0, "\(resumed.stderr)")
    }

    @Test("second experiment on one folder fails")
    func experiment() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try GDAChild.writeDataset("\(root)/data")
        var config = try ExperimentConfig.profile("tiny")
        config.dataset = "idx:\(root)/data"
        config.gan.epochs = 1000
        config.domain.epochs = 1000
        let configPath = "\(root)/config.json"
        try config.encoded().write(to: URL(fileURLWithPath: configPath))
        let run = "\(root)/run"
        let first = try start(["experiment", "run", configPath, "--out", run])
        defer { stop(first) }
        try wait(for: "\(run)/config.json", first)
        let second = try GDAChild.run(["experiment", "run", configPath, "--out", run])
        GDAChild.expectCleanFailure(second, status: 2, naming: "is in use by another gda process (pid \(first.processIdentifier))",
                                    "second experiment")
        #expect(first.isRunning)
    }
}
