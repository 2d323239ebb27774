import Foundation
import Torch

/// The outcome of one fuzz case.
public enum FuzzOutcome: Equatable, Sendable {
    /// The parser read the input without error.
    case accepted
    /// The parser threw a `GDAError` or `TorchError` with a proper message.
    case rejected
    /// Anything else: another error type, a message that is empty, spans lines or does not name
    /// the file, or a write outside the extraction folder.
    case failure(String)
}

/// One parser under fuzzing: its valid seed files, where their header fields are, and the call
/// that reads a case.
public final class FuzzTarget {
    public let name: String
    let seeds: [[UInt8]]
    let fields: [Range<Int>]
    let dictionary: [[UInt8]]
    /// Repairs checksums of half the cases, so that edits reach what the checksum protects.
    let repair: (([UInt8]) -> [UInt8])?
    /// The file a path-based parser reads, which its errors must name; nil for in-memory ones.
    let path: String?
    let read: ([UInt8]) throws -> Void
    /// Checks run after each case, such as "nothing was written outside the folder".
    let after: () throws -> Void

    init(name: String, seeds: [[UInt8]], fields: [Range<Int>] = [], dictionary: [[UInt8]] = [],
         repair: (([UInt8]) -> [UInt8])? = nil, path: String? = nil, after: @escaping () throws -> Void = {},
         read: @escaping ([UInt8]) throws -> Void) {
        self.name = name
        self.seeds = seeds
        self.fields = fields
        self.dictionary = dictionary
        self.repair = repair
        self.path = path
        self.after = after
        self.read = read
    }

    /// Returns a mutator for this target whose sequence is fixed by `seed`.
    public func mutator(seed: UInt64) -> FuzzMutator {
        // FNV-1a of the name, so that each target draws its own sequence from one run seed.
        let salt = name.utf8.reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
        var mutator = FuzzMutator(seed: seed ^ salt)
        mutator.fields = fields
        mutator.dictionary = dictionary
        return mutator
    }

    /// Returns the next case: a mutated seed, its checksums repaired half the time.
    public func makeCase(_ mutator: inout FuzzMutator) -> [UInt8] {
        let seed = seeds[Int.random(in: 0..<seeds.count, using: &mutator.random)]
        let mutated = mutator.mutate(seed)
        guard let repair, Bool.random(using: &mutator.random) else { return mutated }
        return repair(mutated)
    }

    /// The seed files, which must all be accepted.
    public var seedCases: [[UInt8]] { seeds }

    /// Reads one case and classifies how it ended.
    public func run(_ bytes: [UInt8]) -> FuzzOutcome {
        var outcome: FuzzOutcome
        do {
            try read(bytes)
            outcome = .accepted
        } catch let error as GDAError {
            outcome = check(error.message)
        } catch let error as TorchError {
            outcome = check(error.message)
        } catch {
            outcome = .failure("\(type(of: error)) thrown: \(error)")
        }
        do {
            try after()
        } catch {
            outcome = .failure("\(error)")
        }
        return outcome
    }

    private func check(_ message: String) -> FuzzOutcome {
        if message.isEmpty { return .failure("an empty error message") }
        if message.contains("\n") { return .failure("a message of several lines: \(message)") }
        if let path, !message.contains(path) { return .failure("the message does not name \(path): \(message)") }
        return .rejected
    }
}

// MARK: - The targets

/// The parsers `gda fuzz` covers, each built on demand in a scratch folder.
public enum FuzzTargets {
    public static let names = [
        "idx", "idx-gz", "gzip", "cifar10", "png", "folder", "tar", "safetensors", "experiment-config",
        "gan-config", "checkpoint", "torchscript",
    ]

    /// Builds the target `name`, with files under `scratch`. The torchscript target starts
    /// from `torchScriptSeed`, a valid TorchScript file.
    public static func make(_ name: String, scratch: String, torchScriptSeed: String? = nil) throws -> FuzzTarget {
        let folder = "\(scratch)/\(name)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let writer = { (path: String) in { (bytes: [UInt8]) throws in try Data(bytes).write(to: URL(fileURLWithPath: path)) } }
        switch name {
        case "idx":
            let path = "\(folder)/train-images-idx3-ubyte"
            return FuzzTarget(name: name, seeds: FuzzSeeds.idxImages(), fields: [0..<4, 4..<20], path: path) {
                try writer(path)($0)
                _ = try IDX.readImages(path)
            }
        case "idx-gz":
            // Edits the decompressed file; each case is compressed before it is read.
            let path = "\(folder)/train-images-idx3-ubyte.gz"
            return FuzzTarget(name: name, seeds: FuzzSeeds.idxImages(), fields: [0..<4, 4..<20], path: path) {
                try writer(path)(FuzzSeeds.gzip($0))
                _ = try IDX.readImages(path)
            }
        case "gzip":
            let path = "\(folder)/train-images-idx3-ubyte.gz"
            return FuzzTarget(name: name, seeds: FuzzSeeds.idxImages().map(FuzzSeeds.gzip), fields: [0..<10],
                              path: path) {
                try writer(path)($0)
                _ = try IDX.readImages(path)
            }
        case "cifar10":
            let path = "\(folder)/data_batch_1.bin"
            return FuzzTarget(name: name, seeds: [FuzzSeeds.cifarBatch()], fields: [0..<1, 3073..<3074], path: path) {
                try writer(path)($0)
                _ = try CIFAR10.readBatch(path)
            }
        case "png":
            return FuzzTarget(name: name, seeds: try FuzzSeeds.pngs(), fields: FuzzSeeds.pngFields,
                              repair: FuzzSeeds.repairPNGChecksums, path: "fuzz.png") {
                _ = try PNG.decode(Data($0), name: "fuzz.png")
            }
        case "folder":
            return try folderTarget(folder)
        case "tar":
            return tarTarget(folder)
        case "safetensors":
            let keys = ["dtype", "shape", "data_offsets", "__metadata__", "F32", "F16", "I64", "U8", "BOOL"]
            return FuzzTarget(name: name, seeds: try FuzzSeeds.safetensors(), fields: [0..<8],
                              dictionary: FuzzSeeds.jsonDictionary(keys: keys)) {
                _ = try SafeTensors.decode(Data($0))
            }
        case "experiment-config":
            return try experimentConfigTarget()
        case "gan-config":
            let path = "\(folder)/config.json"
            let seeds = try [GANModel.dcgan, .cgan, .madgan].map { Array(try GANConfig(model: $0, dataset: "mnist").json()) }
            let keys = ["model", "batchSize", "generators", "imageShape", "channels", "classNames", "steps", "device",
                        "cuda", "madgan", "cgan", "multiclass", "projection"]
            return FuzzTarget(name: name, seeds: seeds, dictionary: FuzzSeeds.jsonDictionary(keys: keys), path: path) {
                try writer(path)($0)
                _ = try GANConfig.read(path)
            }
        case "checkpoint":
            return try checkpointTarget(folder)
        case "torchscript":
            guard let torchScriptSeed else {
                throw GDAError.config("the torchscript target needs --torchscript FILE, a valid TorchScript file")
            }
            let seed = try InputFile.read(torchScriptSeed, maximumBytes: 64 << 20, kind: "a TorchScript seed")
            let path = "\(folder)/module.pt"
            return FuzzTarget(name: name, seeds: [Array(seed)], path: path) {
                try writer(path)($0)
                _ = try ScriptModule(contentsOf: path)
            }
        default:
            throw GDAError.config("unknown fuzz target '\(name)'; expected one of \(names.joined(separator: ", "))")
        }
    }

    /// Builds a two-class image folder whose second class contains the case as its PNG.
    private static func folderTarget(_ folder: String) throws -> FuzzTarget {
        let root = "\(folder)/images"
        for name in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
        }
        let grey = try PNG.encode(Image(channels: 1, height: 3, width: 4, pixels: (0..<12).map { UInt8($0 * 20) }))
        try grey.write(to: URL(fileURLWithPath: "\(root)/a/0.png"))
        let path = "\(root)/b/0.png"
        return FuzzTarget(name: "folder", seeds: [Array(grey)], fields: FuzzSeeds.pngFields,
                          repair: FuzzSeeds.repairPNGChecksums, path: path) {
            try Data($0).write(to: URL(fileURLWithPath: path))
            _ = try DatasetSource.load("folder:\(root)", split: .train)
        }
    }

    /// Extracts each case six folders deep and checks that nothing appeared outside `out/`.
    private static func tarTarget(_ folder: String) -> FuzzTarget {
        let deep = "\(folder)/a/b/c/d/e/f"
        let archive = "\(deep)/case.tar"
        let output = "\(deep)/out"
        let after = {
            try? FileManager.default.removeItem(atPath: output)
            let left = (FileManager.default.subpaths(atPath: folder) ?? []).filter { $0 != "a/b/c/d/e/f/case.tar" }
            let expected = Set(["a", "a/b", "a/b/c", "a/b/c/d", "a/b/c/d/e", "a/b/c/d/e/f"])
            if let stray = left.first(where: { !expected.contains($0) }) {
                try? FileManager.default.removeItem(atPath: "\(folder)/\(stray)")
                throw GDAError("extraction wrote \(folder)/\(stray), outside \(output)")
            }
        }
        try? FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        return FuzzTarget(name: "tar", seeds: FuzzSeeds.tars(), fields: FuzzSeeds.tarFields,
                          repair: FuzzSeeds.repairTarChecksums, path: archive, after: after) {
            try Data($0).write(to: URL(fileURLWithPath: archive))
            try Tar.extract(archive, into: output)
        }
    }

    private static func experimentConfigTarget() throws -> FuzzTarget {
        let tiny = try ExperimentConfig.profile("tiny").encoded()
        let partial = #"{"profile": "quick", "gan": {"models": ["cgan"], "epochs": 2}, "classifiers": {"sources": ["real", "cgan"], "seeds": 2}}"#
        let keys = ExperimentConfig.CodingKeys.allCases.map(\.stringValue)
            + ExperimentConfig.GANSection.CodingKeys.allCases.map(\.stringValue)
            + ExperimentConfig.ClassifierSection.CodingKeys.allCases.map(\.stringValue)
            + ExperimentConfig.LabelingSection.CodingKeys.allCases.map(\.stringValue)
            + ["tiny", "thesis", "cgan", "madgan", "traditional+cgan", "idx:/tmp", "folder:"]
        return FuzzTarget(name: "experiment-config", seeds: [Array(tiny), Array(partial.utf8), Array("{}".utf8)],
                          dictionary: FuzzSeeds.jsonDictionary(keys: keys)) {
            _ = try ExperimentConfig.decode(Data($0))
        }
    }

    /// Builds a target that restores a real DCGAN checkpoint into one training state again and
    /// again. Most edits go to the 8-byte length and the JSON header in front of the tensor data.
    private static func checkpointTarget(_ folder: String) throws -> FuzzTarget {
        var config = GANConfig(model: .dcgan, dataset: "mnist")
        config.batchSize = 8
        let state = try GANState(config: config)
        let run = "\(folder)/run"
        let saved = try GANCheckpoint.save(state, run: run)
        let seed = Array(try Data(contentsOf: URL(fileURLWithPath: saved)))
        let headerEnd = 8 + Int(seed.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        return FuzzTarget(name: "checkpoint", seeds: [seed], fields: [0..<8, 8..<headerEnd],
                          dictionary: FuzzSeeds.jsonDictionary(keys: ["step", "epoch", "batch", "format", "version",
                                                                      "F64", "I64", "shape", "data_offsets"]),
                          path: saved) {
            try Data($0).write(to: URL(fileURLWithPath: saved))
            try GANCheckpoint.restore(state, from: saved)
        }
    }
}
