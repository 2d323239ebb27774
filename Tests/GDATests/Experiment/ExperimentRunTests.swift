import Foundation
import TestSupport
import Testing
import Torch
@testable import GDA

/// The whole pipeline on a few hundred real Fashion-MNIST images: every file of the run
/// layout, the report's form, and resuming after a kill.
@Suite(.serialized) struct ExperimentRunTests {
    static func runInProcess(_ config: ExperimentConfig, folder: String, cache: String) throws {
        let run = try RunFolder(folder, create: true)
        let experiment = try Experiment(config: config, run: run) { _ in }
        experiment.cacheFolder = cache
        try experiment.execute()
    }

    @Test func tinyRunWritesEveryFile() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/run"
        let config = try ExperimentConfigTestValues.tiny()
        try Self.runInProcess(config, folder: folder, cache: root + "/cache")

        let manager = FileManager.default
        let written = try ExperimentConfig.load(folder + "/config.json")
        #expect(written == config)
        let state = try #require(manager.contents(atPath: folder + "/state.json"))
        let stateObject = try #require(try JSONSerialization.jsonObject(with: state) as? [String: Any])
        #expect(stateObject["finished"] as? Bool == true)
        for stage in ["data", "domain", "gan-cgan", "gan-madgan", "auxiliary", "label-cgan", "label-madgan", "classify", "report"] {
            #expect((stateObject["stages"] as? [String: Any])?[stage] != nil, "stage \(stage) not recorded")
        }
        for model in ["cgan", "madgan"] {
            #expect(manager.fileExists(atPath: "\(folder)/gan-\(model)/checkpoints/generator.safetensors"))
            let events = try manager.contentsOfDirectory(atPath: "\(folder)/gan-\(model)").filter { $0.hasPrefix("events.out.tfevents.") }
            #expect(events.count == 1)
            let grids = try manager.contentsOfDirectory(atPath: "\(folder)/gan-\(model)/samples").filter { $0.hasSuffix(".png") }
            #expect(!grids.isEmpty)
            for grid in grids { _ = try PNG.read("\(folder)/gan-\(model)/samples/\(grid)") }
            // The labelled set reads back as IDX, and its PNG folders and CSV agree with it.
            let synthetic = try DatasetSource.load("idx:\(folder)/synthetic/\(model)", split: .train)
            let csv = try String(contentsOfFile: "\(folder)/synthetic/\(model)/images/labels.csv", encoding: .utf8)
            #expect(csv.split(separator: "\n").count == synthetic.count + 1)
            let labeling = try #require(try RunFolder.decode(ExperimentSummary.Labeling.self,
                                                            path: "\(folder)/results/labeling-\(model).json"))
            #expect(labeling.kept == synthetic.count)
            #expect(try RunFolder.decode(ExperimentSummary.GAN.self, path: "\(folder)/results/gan-\(model).json") != nil)
        }
        let specs = ClassifierGrid.runs(config.classifiers)
        for spec in specs {
            let result = try #require(try RunFolder.decode(ClassifierRunResult.self,
                                                          path: "\(folder)/results/classify/\(spec.id).json"))
            #expect(result.spec == spec)
            #expect((0...1).contains(result.scores.accuracy))
            #expect(result.scores.confusion.flatMap { $0 }.reduce(0, +) == 10000)
        }
        let summary = try #require(try RunFolder.decode(ExperimentSummary.self, path: "\(folder)/results/summary.json"))
        #expect(summary.cells.count == 4)
        #expect(!summary.best.isEmpty)
        let csv = try String(contentsOfFile: "\(folder)/results/cells.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + summary.cells.count)
        let markdown = try String(contentsOfFile: "\(folder)/report/report.md", encoding: .utf8)
        #expect(markdown.contains("## The answer"))

        let html = try Oracle.json("html_check.py", ["\(folder)/report/index.html"])
        #expect((html["errors"] as? [String]) == [], "\(html["errors"] ?? "")")
        // Two sample grids, one per GAN, embedded as data URIs.
        #expect(html["images"] as? Int == 2)
        #expect((html["svgs"] as? Int ?? 0) >= 3)
    }

    @Test func secondProcessOnSameRunRefused() throws {
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = try RunFolder(root + "/run", create: true)
        #expect(throws: GDAError.self) { _ = try RunFolder(root + "/run", create: true) }
        withExtendedLifetime(first) {}
    }
}

extension RunFolder {
    /// Decodes a JSON result file the way the run wrote it, or nil when it is absent.
    static func decode<T: Decodable>(_ type: T.Type, path: String) throws -> T? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(T.self, from: data)
    }
}
