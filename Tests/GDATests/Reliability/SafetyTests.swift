import Foundation
@testable import GDA
import TestSupport
import Testing

/// What gda reads and where it writes: weights only as safetensors, TorchScript only from a
/// path the user names, and output only inside the folder or file an option names.
@Suite("read and write safety")
struct SafetyTests {
    /// Every line of the sources under `Sources/`, with its file.
    func sourceLines() throws -> [(file: String, line: String)] {
        let root = "\(Oracle.repositoryRoot)/Sources"
        let files = try #require(FileManager.default.subpaths(atPath: root))
        return try files.filter { [".swift", ".cpp", ".h"].contains(where: $0.hasSuffix) }.flatMap { file in
            try String(contentsOfFile: "\(root)/\(file)", encoding: .utf8).split(separator: "\n").map { (file, String($0)) }
        }
    }

    @Test("weights load only as safetensors")
    func noPickle() throws {
        let lines = try sourceLines()
        #expect(lines.count > 1000)
        for (file, line) in lines {
            let code = line.trimmingCharacters(in: .whitespaces)
            guard !code.hasPrefix("//") else { continue }
            // libtorch's pickle readers; TorchScriptCheck only scans pickle bytes, it unpickles nothing.
            for pattern in ["torch::load(", "torch.load(", "pickle_load", "Unpickler", "unpickle(", "torch::serialize"] {
                #expect(!code.contains(pattern), "\(file): \(code)")
            }
            // TorchScript files carry code: one C entry point loads them, called from one Swift type.
            if code.contains("torch::jit::load(") { #expect(file == "CTorch/ctorch_jit.cpp", "\(file)") }
            if code.contains("ct_module_load(") {
                #expect(["CTorch/ctorch_jit.cpp", "CTorch/include/ctorch.h", "Torch/TorchScript.swift"].contains(file),
                        "\(file)")
            }
        }
        // The only TorchScript files gda opens are ones the user names with --features (and the
        // fuzzer's --torchscript seed).
        let loaders = lines.filter { $0.line.contains("ScriptModule(contentsOf:") }.map(\.file)
        #expect(Set(loaders) == ["GDA/Metrics/ScriptFeatureNetwork.swift", "GDA/Reliability/FuzzTargets.swift"],
                "\(loaders)")
    }

    @Test("outputs stay in their folders")
    func outputsStayInside() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["cwd", "home", "cache"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
        }
        try GDAChild.writeDataset("\(root)/data")
        let precious = "\(root)/precious.txt"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: precious))
        let run = "\(root)/run"
        let trainer = try GANTrainer(config: GANFixtures.config(.dcgan, steps: 1), dataset: GANFixtures.dataset(),
                                     folder: run)
        try trainer.train()
        let before = Set(FileManager.default.subpaths(atPath: root) ?? [])

        let environment = ["HOME": "\(root)/home", "GDA_CACHE": "\(root)/cache", "XDG_CACHE_HOME": "\(root)/cache"]
        let data = "idx:\(root)/data"
        let commands: [(arguments: [String], status: Int32)] = [
            (["data", "preview", data, "--out", "\(root)/out/a/b/preview.png", "--count", "2"], 0),
            (["augment", "preview", "--dataset", data, "--out", "\(root)/out/c/d/augment.png", "--count", "2"], 0),
            (["sample", run, "--count", "3", "--out", "\(root)/out/e/f/png"], 0),
            (["sample", run, "--count", "3", "--out", "\(root)/out/g/idx", "--format", "idx"], 0),
            (["sample", run, "--count", "3", "--out", "\(root)/out/h/st", "--format", "safetensors"], 0),
            (["sample", run, "--count", "3", "--out", precious], 2),
            (["sample", run, "--count", "3", "--out", precious, "--format", "safetensors"], 1),
            (["data", "preview", data, "--out", "\(precious)/x.png"], 1),
            (["augment", "preview", "--dataset", data, "--out", "\(precious)/x.png"], 1),
        ]
        for (arguments, status) in commands {
            let outcome = try GDAChild.run(arguments, cwd: "\(root)/cwd", environment: environment)
            let label = arguments.prefix(2).joined(separator: " ")
            if status == 0 {
                #expect(outcome.status == 0, "\(label): \(outcome.stderr)")
            } else {
                GDAChild.expectCleanFailure(outcome, status: status, naming: precious, "\(label) onto a file")
            }
        }
        #expect(try String(contentsOfFile: precious, encoding: .utf8) == "keep")
        let added = Set(FileManager.default.subpaths(atPath: root) ?? []).subtracting(before)
        let outside = added.filter { !$0.hasPrefix("out/") && $0 != "out" }
        #expect(outside.isEmpty, "written outside the output folders: \(outside.sorted())")
        for name in ["a/b/preview.png", "c/d/augment.png", "e/f/png/classes.txt", "g/idx/train-images-idx3-ubyte",
                     "h/st/samples.safetensors"] {
            #expect(added.contains("out/\(name)"), "\(name) missing")
        }
    }
}
