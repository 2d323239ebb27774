import Foundation
import Torch

/// The layout that GAN and classifier runs share in `RUN/checkpoints/`: step checkpoints
/// named `step-000123.safetensors`, and a `latest` file naming the newest complete one. A
/// checkpoint counts only once `latest` names it, and `latest` is rewritten atomically after
/// the checkpoint file, so a save interrupted at any moment leaves the previous one in force.
enum StepCheckpoints {
    static func fileName(step: Int) -> String {
        String(format: "step-%06d.safetensors", step)
    }

    /// Parses the step from a name that `fileName(step:)` made; nil for other names.
    static func step(ofFileName name: String) -> Int? {
        guard name.hasPrefix("step-"), name.hasSuffix(".safetensors") else { return nil }
        return Int(name.dropFirst("step-".count).dropLast(".safetensors".count))
    }

    /// Finds the newest complete step checkpoint in `directory`; nil when `latest` is missing.
    static func latest(in directory: String) throws -> String? {
        let pointer = "\(directory)/latest"
        guard FileManager.default.fileExists(atPath: pointer) else { return nil }
        let data = try InputFile.read(pointer, maximumBytes: 4096, kind: "a checkpoint pointer")
        let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard name.hasPrefix("step-"), name.hasSuffix(".safetensors"), !name.contains("/") else {
            let excerpt = name.count > 60 ? name.prefix(60) + "…" : Substring(name)
            throw GDAError("\(pointer): expected a checkpoint file name such as step-000123.safetensors, found '\(excerpt)'")
        }
        let path = "\(directory)/\(name)"
        guard FileManager.default.fileExists(atPath: path) else {
            throw GDAError("\(pointer) names \(name), which is missing from \(directory)")
        }
        return path
    }

    /// Points `latest` at `name`, then deletes step checkpoints beyond the newest `keep`.
    static func commit(_ name: String, in directory: String, keep: Int) throws {
        do {
            try AtomicFile.write(name + "\n", to: "\(directory)/latest")
        } catch let error as TorchError {
            throw GDAError(error.message)
        }
        prune(directory, keep: keep, current: name)
    }

    /// Deletes step checkpoints other than the newest `keep` (by step) and `current`.
    private static func prune(_ directory: String, keep: Int, current: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let steps = names.compactMap { name in step(ofFileName: name).map { ($0, name) } }
        for (_, name) in steps.sorted(by: { $0.0 < $1.0 }).dropLast(keep) where name != current {
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
    }
}
