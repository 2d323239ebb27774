import Foundation
import Testing

/// `gda bench` and the OpenMP wait policy gda chooses, run as a user runs them: the built
/// executable in a child process.
@Suite("gda bench command", .serialized)
struct BenchCommandTests {
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0])
        .deletingLastPathComponent().appendingPathComponent("gda").path

    /// Runs gda with `environment` added to this process's, without OMP_WAIT_POLICY and
    /// GOMP_SPINCOUNT unless `environment` sets them.
    func gda(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable),
                     "gda is not built at \(Self.executable)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged["OMP_WAIT_POLICY"] = nil
        merged["GOMP_SPINCOUNT"] = nil
        merged.merge(environment) { $1 }
        process.environment = merged
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self),
                String(decoding: errData, as: UTF8.self))
    }

    @Test("bench prints the reference line")
    func benchLine() throws {
        let (status, output, errors) = try gda(
            ["bench", "cgan", "--batch", "4", "--steps", "1", "--warmup", "0", "--threads", "1"],
            environment: ["OMP_NUM_THREADS": "1"])
        #expect(status == 0, "\(errors)")
        #expect(output.wholeMatch(of: /cgan images_per_second=\d+\.\d step_ms=\d+\.\d\d\n/) != nil, "\(output)")
    }

    @Test("profile table has one row per line")
    func profileTable() throws {
        let (status, output, errors) = try gda(
            ["bench", "dcgan", "--batch", "4", "--steps", "2", "--warmup", "0", "--threads", "1", "--profile"],
            environment: ["OMP_NUM_THREADS": "1"])
        #expect(status == 0, "\(errors)")
        #expect(output.hasPrefix("dcgan images_per_second="), "\(output)")
        let lines = errors.split(separator: "\n").map(String.init)
        #expect(!errors.contains("\\n"), "escaped line breaks in: \(errors)")
        #expect(lines.contains { $0.hasPrefix("  convolution ") }, "\(errors)")
        #expect(lines.contains { $0.contains("aten::convolution_backward") }, "\(errors)")
    }

    @Test("bench rejects bad input with status 2", arguments: [
        (["bench"], "MODEL is required"),
        (["bench", "wgan"], "unknown model 'wgan'"),
        (["bench", "dcgan", "--steps", "0"], "--steps must be in"),
        (["bench", "dcgan", "--batch", "1"], "--batch must be in"),
        (["bench", "dcgan", "--ab", "nosuch"], "unknown setting 'nosuch'"),
    ])
    func badInput(_ arguments: [String], _ message: String) throws {
        let (status, _, errors) = try gda(arguments, environment: ["OMP_NUM_THREADS": "1"])
        #expect(status == 2)
        #expect(errors.contains(message), "\(errors)")
    }

    @Test("passive wait policy by default with two threads")
    func passiveByDefault() throws {
        let (status, output, errors) = try gda(["doctor"], environment: ["OMP_NUM_THREADS": "2"])
        #expect(status == 0, "\(errors)")
        #expect(output.contains("OpenMP wait policy: PASSIVE"), "\(output)")
        #expect(output.contains("threads: 2"), "\(output)")
    }

    @Test("the user's wait policy is kept")
    func userPolicyKept() throws {
        let (_, active, _) = try gda(["doctor"], environment: ["OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "ACTIVE"])
        #expect(active.contains("OpenMP wait policy: ACTIVE"), "\(active)")
        let (_, spinCount, _) = try gda(["doctor"], environment: ["OMP_NUM_THREADS": "2", "GOMP_SPINCOUNT": "1000"])
        #expect(spinCount.contains("OpenMP wait policy: libgomp default"), "\(spinCount)")
        let (_, oneThread, _) = try gda(["doctor"], environment: ["OMP_NUM_THREADS": "1"])
        #expect(oneThread.contains("OpenMP wait policy: libgomp default"), "\(oneThread)")
    }
}
