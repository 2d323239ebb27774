import Foundation
import GDA
import Synchronization
import Torch

// `gda fuzz` lives in the main executable rather than in a target of its own: it reuses the
// libtorch link settings and the binary that the tests already build and run, and it needs no
// change to the package manifest.
let fuzzCommands: [Command] = [
    Command(["fuzz"], summary: "Fuzz gda's file parsers with mutated files (for development)",
            usage: """
            Usage: gda fuzz TARGET[,TARGET...]|all --cases N [options]

            Mutates valid files (bit flips, boundary values in header fields, insertions,
            deletions, truncation, dictionary tokens) and reads each case with one parser.
            A case passes when the parser accepts it or throws gda's error with a one-line
            message naming the file. Any other error, a crash, a case slower than the time
            limit or a peak memory above the limit is a finding: the run stops with status 1
            and prints how to regenerate the case.

            Targets: \(FuzzTargets.names.joined(separator: ", ")) (all: every one but
            torchscript unless --torchscript is given).

            Options:
              --cases N            cases per target (required)
              --seed S             seed of the mutations (default 1)
              --time-limit SEC     per-case time limit in seconds (default 10)
              --memory-limit MB    peak resident memory allowed above the start (default 512)
              --torchscript FILE   a valid TorchScript file, the torchscript target's seed
              --save-case K        write case K of the one TARGET to --out instead of running
              --out DIR            where --save-case writes (DIR/TARGET-K.bin)
              --scratch DIR        folder for the case files (default /dev/shm when writable)
            """, hidden: true) { arguments in
        try runFuzz(&arguments)
    },
]

// MARK: - Crash and hang reports

/// State that a signal handler or the watchdog may read: atomics and C strings made before
/// the run.
private let currentTarget = Atomic<Int>(-1)
private let currentCase = Atomic<Int>(-1)
private let caseStartNanoseconds = Atomic<UInt64>(0)
private let runSeed = Atomic<UInt64>(0)
nonisolated(unsafe) private var targetNames: [UnsafeMutablePointer<CChar>] = []

/// Writes "gda fuzz: REASON in target T, case K (seed S); ..." using only write(2), which is
/// safe in a signal handler.
private func reportFinding(_ reason: StaticString) {
    func put(_ text: UnsafePointer<CChar>) { _ = write(2, text, strlen(text)) }
    func put(_ text: StaticString) { _ = write(2, text.utf8Start, text.utf8CodeUnitCount) }
    func put(_ value: UInt64) {
        var digits = [CChar](repeating: 0, count: 24)
        var index = 22
        var rest = value
        repeat {
            digits[index] = CChar(48 + Int(rest % 10))
            rest /= 10
            index -= 1
        } while rest > 0
        digits.withUnsafeBufferPointer { _ = write(2, $0.baseAddress! + index + 1, 22 - index) }
    }
    let target = currentTarget.load(ordering: .relaxed)
    put("gda fuzz: ")
    put(reason)
    put(" in target ")
    if targetNames.indices.contains(target) { put(UnsafePointer(targetNames[target])) }
    put(", case ")
    put(UInt64(max(0, currentCase.load(ordering: .relaxed))))
    put(" (seed ")
    put(runSeed.load(ordering: .relaxed))
    put("); regenerate it with --save-case and --out\n")
}

private func installCrashHandlers() {
    for signal in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
        Glibc.signal(signal) { number in
            reportFinding("crash (signal)")
            Glibc.signal(number, SIG_DFL)
            raise(number)
        }
    }
}

/// Ends the process when a case runs longer than `limit` seconds.
private func startWatchdog(limit: Double) {
    let thread = Thread {
        while true {
            usleep(100_000)
            let started = caseStartNanoseconds.load(ordering: .relaxed)
            guard started > 0 else { continue }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            if elapsed > limit {
                reportFinding("a hang (over the time limit)")
                _exit(3)
            }
        }
    }
    thread.start()
}

private func peakResidentKB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss
}

// MARK: - gda fuzz

private func runFuzz(_ arguments: inout Arguments) throws -> Int32 {
    guard let list = arguments.positionals.first else {
        throw UsageError("gda fuzz needs a target or 'all'", hint: "gda fuzz --help")
    }
    let cases = try arguments.int("cases", range: 1...Int(Int32.max))
    let seed = UInt64(try arguments.int("seed", range: 0...Int.max) ?? 1)
    let timeLimit = try arguments.double("time-limit", range: 0.01...3600) ?? 10
    let memoryLimit = try arguments.int("memory-limit", range: 1...1_000_000) ?? 512
    let torchScript = arguments.string("torchscript")
    let saveCase = try arguments.int("save-case", range: 0...Int.max)
    let out = arguments.string("out")
    let scratchFolder = arguments.string("scratch")

    var names = list == "all" ? FuzzTargets.names : list.split(separator: ",").map(String.init)
    if list == "all" && torchScript == nil { names.removeAll { $0 == "torchscript" } }
    try arguments.finish(maximumPositionals: 1)
    // Cases are files rewritten thousands of times a second. On ext4 each rewrite of a
    // truncated file is flushed on close (auto_da_alloc), which made a disk-backed folder
    // 20 times slower than the memory-backed /dev/shm.
    let base = scratchFolder
        ?? (FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory())
    let scratch = (base.hasSuffix("/") ? base : base + "/") + "gda-fuzz-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    Torch.threads = 1

    if let saveCase {
        guard names.count == 1, let out else {
            throw UsageError("--save-case needs one TARGET and --out DIR")
        }
        let target = try FuzzTargets.make(names[0], scratch: scratch, torchScriptSeed: torchScript)
        var mutator = target.mutator(seed: seed)
        var bytes: [UInt8] = []
        for _ in 0...saveCase { bytes = target.makeCase(&mutator) }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let path = "\(out)/\(names[0])-\(saveCase).bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        print("\(path): \(bytes.count) bytes; outcome: \(target.run(bytes))")
        return 0
    }
    guard let cases else { throw UsageError("gda fuzz needs --cases N", hint: "gda fuzz --help") }

    targetNames = names.map { strdup($0) }
    runSeed.store(seed, ordering: .relaxed)
    installCrashHandlers()
    startWatchdog(limit: timeLimit)
    var summaries: [[String: Any]] = []
    var findings = 0
    for (index, name) in names.enumerated() {
        currentTarget.store(index, ordering: .relaxed)
        let target = try FuzzTargets.make(name, scratch: scratch, torchScriptSeed: torchScript)
        for (number, bytes) in target.seedCases.enumerated() where target.run(bytes) != .accepted {
            throw GDAError("fuzz target \(name): seed \(number) is not accepted: \(target.run(bytes))")
        }
        let summary = fuzz(target, cases: cases, seed: seed, memoryLimitMB: memoryLimit)
        findings += summary["failures"] as? Int ?? 0
        summaries.append(summary)
    }
    caseStartNanoseconds.store(0, ordering: .relaxed)
    let json = try JSONSerialization.data(withJSONObject: ["seed": seed, "targets": summaries], options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
    return findings == 0 ? 0 : 1
}

/// Runs `cases` cases of one target; returns its counts, time and peak memory.
private func fuzz(_ target: FuzzTarget, cases: Int, seed: UInt64, memoryLimitMB: Int) -> [String: Any] {
    var mutator = target.mutator(seed: seed)
    let baseline = peakResidentKB()
    var counts = (accepted: 0, rejected: 0, failures: 0)
    var firstFailures: [String] = []
    let started = Date()
    for number in 0..<cases {
        let bytes = target.makeCase(&mutator)
        currentCase.store(number, ordering: .relaxed)
        caseStartNanoseconds.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
        let outcome = target.run(bytes)
        caseStartNanoseconds.store(0, ordering: .relaxed)
        switch outcome {
        case .accepted: counts.accepted += 1
        case .rejected: counts.rejected += 1
        case .failure(let reason):
            counts.failures += 1
            if firstFailures.count < 5 { firstFailures.append("case \(number): \(reason)") }
        }
        if peakResidentKB() - baseline > memoryLimitMB * 1024 {
            counts.failures += 1
            firstFailures.append("case \(number): peak memory \(peakResidentKB()) KB, over \(memoryLimitMB) MB "
                + "above the \(baseline) KB at the start")
            break
        }
    }
    let seconds = Date().timeIntervalSince(started)
    let rate = Double(cases) / max(seconds, 1e-9)
    FileHandle.standardError.write(Data((String(format: "gda fuzz: %@: %d cases in %.1f s (%.0f/s): %d accepted, "
        + "%d rejected, %d failures", target.name, cases, seconds, rate, counts.accepted, counts.rejected,
        counts.failures) + "\n").utf8))
    for failure in firstFailures {
        FileHandle.standardError.write(Data("gda fuzz: \(target.name): \(failure)\n".utf8))
    }
    return [
        "name": target.name, "cases": cases, "accepted": counts.accepted, "rejected": counts.rejected,
        "failures": counts.failures, "seconds": seconds, "peak_rss_kb": peakResidentKB(),
        "findings": firstFailures,
    ]
}
