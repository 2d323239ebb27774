import Foundation
import TestSupport
import Testing
@testable import GDA

/// `gda experiment resume` after SIGKILL, between stages and inside them, ends with the same
/// results as a run that was never interrupted.
@Suite(.serialized) struct ExperimentResumeTests {
    static var gda: String { Oracle.repositoryRoot + "/.build/debug/gda" }

    /// Starts `gda arguments`, and kills it with SIGKILL as soon as a line of its standard
    /// error contains `marker`. Returns whether it was killed (false: it finished first).
    static func runUntil(_ marker: String, _ arguments: [String], environment: [String: String]) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gda)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var buffer = ""
        var killed = false
        while true {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer += String(decoding: chunk, as: UTF8.self)
            if buffer.contains(marker) {
                kill(process.processIdentifier, SIGKILL)
                killed = true
                break
            }
        }
        process.waitUntilExit()
        return killed
    }

    static func run(_ arguments: [String], environment: [String: String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gda)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func resumeAfterKillsMatchesUninterruptedRun() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.gda), "build gda first: \(Self.gda)")
        let root = try Oracle.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = try ExperimentConfigTestValues.tiny()
        config.classifiers.syntheticOnly = false
        let configPath = root + "/config.json"
        try config.encoded().write(to: URL(fileURLWithPath: configPath))
        let environment = ["GDA_CACHE": root + "/cache"]

        // Uninterrupted.
        #expect(try Self.run(["experiment", "run", configPath, "--out", root + "/whole"], environment: environment) == 0)

        // Killed between stages (just after one finished), then inside the classifier grid,
        // then resumed to the end.
        let killedRun = root + "/killed"
        let first = try Self.runUntil("gan-cgan: finished", ["experiment", "run", configPath, "--out", killedRun],
                                      environment: environment)
        #expect(first)
        let second = try Self.runUntil("classify: 2/", ["experiment", "resume", killedRun], environment: environment)
        #expect(second)
        #expect(try Self.run(["experiment", "resume", killedRun], environment: environment) == 0)

        for spec in ClassifierGrid.runs(config.classifiers) {
            let whole = try #require(try RunFolder.decode(ClassifierRunResult.self,
                                                         path: "\(root)/whole/results/classify/\(spec.id).json"))
            let resumed = try #require(try RunFolder.decode(ClassifierRunResult.self,
                                                           path: "\(killedRun)/results/classify/\(spec.id).json"))
            #expect(resumed.scores.accuracy == whole.scores.accuracy, "\(spec.id)")
            #expect(resumed.scores.confusion == whole.scores.confusion, "\(spec.id)")
        }
        for model in ["cgan", "madgan"] {
            let whole = try #require(try RunFolder.decode(ExperimentSummary.GAN.self, path: "\(root)/whole/results/gan-\(model).json"))
            let resumed = try #require(try RunFolder.decode(ExperimentSummary.GAN.self, path: "\(killedRun)/results/gan-\(model).json"))
            #expect(resumed.final == whole.final, "\(model) final metrics")
            let wholeLabels = try Data(contentsOf: URL(fileURLWithPath: "\(root)/whole/synthetic/\(model)/train-labels-idx1-ubyte"))
            let resumedLabels = try Data(contentsOf: URL(fileURLWithPath: "\(killedRun)/synthetic/\(model)/train-labels-idx1-ubyte"))
            #expect(wholeLabels == resumedLabels, "\(model) synthetic labels")
        }
        #expect(FileManager.default.fileExists(atPath: killedRun + "/report/index.html"))
    }
}

enum ExperimentConfigTestValues {
    /// The tiny profile on one thread, so that results agree bit for bit between processes.
    static func tiny() throws -> ExperimentConfig {
        var config = try ExperimentConfig.profile("tiny")
        config.threads = 1
        config.classifiers.sources = ["real", "traditional", "cgan", "madgan"]
        return config
    }
}
