import Foundation
@testable import GDA
import TestSupport
import Testing
import Torch

/// A short run of `gda fuzz` over every parser, and the harness's own checks.
@Suite("fuzzing")
struct FuzzTests {
    struct Summary: Decodable {
        struct Target: Decodable {
            let name: String
            let cases: Int
            let accepted: Int
            let rejected: Int
            let failures: Int
            let findings: [String]
        }

        let targets: [Target]
    }

    func fuzz(_ targets: String, cases: Int, extra: [String] = []) throws -> Summary {
        let outcome = try GDAChild.run(["fuzz", targets, "--cases", String(cases), "--seed", "11",
                                        "--time-limit", "20"] + extra, timeout: 600)
        #expect(outcome.status == 0, "gda fuzz \(targets): \(outcome.stderr)")
        return try JSONDecoder().decode(Summary.self, from: Data(outcome.stdout.utf8))
    }

    func check(_ summary: Summary, cases: Int) {
        for target in summary.targets {
            #expect(target.failures == 0, "\(target.name): \(target.findings)")
            #expect(target.accepted + target.rejected == cases, "\(target.name): cases lost")
            // Mutations that all bounce off the first check would test nothing.
            #expect(target.rejected > cases / 20, "\(target.name): only \(target.rejected) rejected")
        }
    }

    @Test("parsers survive 2000 mutated files each")
    func parsers() throws {
        let names = ["idx", "idx-gz", "gzip", "cifar10", "png", "folder", "tar", "safetensors", "experiment-config",
                     "gan-config"]
        let summary = try fuzz(names.joined(separator: ","), cases: 2000)
        #expect(summary.targets.map(\.name) == names)
        check(summary, cases: 2000)
    }

    @Test("checkpoints and torchscript survive 200 each")
    func slowParsers() throws {
        let script = "\(try HostileCorpus.folder("torchscript"))/valid.pt"
        let summary = try fuzz("checkpoint,torchscript", cases: 200, extra: ["--torchscript", script])
        #expect(summary.targets.map(\.name) == ["checkpoint", "torchscript"])
        check(summary, cases: 200)
    }

    @Test("mutations repeat for one seed")
    func deterministic() throws {
        let scratch = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let target = try FuzzTargets.make("safetensors", scratch: scratch)
        var first = target.mutator(seed: 5)
        var second = target.mutator(seed: 5)
        var other = target.mutator(seed: 6)
        let a = (0..<50).map { _ in target.makeCase(&first) }
        let b = (0..<50).map { _ in target.makeCase(&second) }
        let c = (0..<50).map { _ in target.makeCase(&other) }
        #expect(a == b)
        #expect(a != c)
        #expect(Set(a).count > 40, "mutations repeat themselves")
    }

    @Test("harness flags bad errors")
    func flagsBadErrors() throws {
        struct Foreign: Error {}
        let seeds: [[UInt8]] = [[1, 2, 3]]
        let cases: [(FuzzTarget, String)] = [
            (FuzzTarget(name: "foreign", seeds: seeds) { _ in throw Foreign() }, "Foreign thrown"),
            (FuzzTarget(name: "lines", seeds: seeds) { _ in throw TorchErrorStandIn.multiline }, "several lines"),
            (FuzzTarget(name: "unnamed", seeds: seeds, path: "/data/x.bin") { _ in throw GDAError("bad header") },
             "does not name /data/x.bin"),
            (FuzzTarget(name: "empty", seeds: seeds) { _ in throw GDAError("") }, "empty error message"),
        ]
        for (target, reason) in cases {
            guard case .failure(let found) = target.run([0]) else {
                Issue.record("\(target.name): not flagged")
                continue
            }
            #expect(found.contains(reason), "\(target.name): \(found)")
        }
        let fine = FuzzTarget(name: "fine", seeds: seeds, path: "/data/x.bin") { _ in throw GDAError("/data/x.bin: bad") }
        #expect(fine.run([0]) == .rejected)
    }
}

/// A libtorch-style error whose message spans lines, as the harness must flag.
enum TorchErrorStandIn {
    static let multiline = TorchError("cannot load\nUnknown type")
}
