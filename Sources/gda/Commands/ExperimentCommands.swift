import Foundation
import GDA
import Torch

let experimentCommands: [Command] = [
    Command(["experiment", "run"], summary: "Run the whole comparison: GANs, labelling, classifiers, report",
            usage: """
            Usage: gda experiment run [CONFIG.json] [--profile quick|thesis|tiny] [--out RUN]
                                      [--stop-before classify]

            Trains a cGAN and a MADGAN, scores them, labels their images, trains classifiers on
            mixes of real and synthetic data over several seeds and writes RUN/report/index.html
            comparing real data alone, traditional augmentation, cGAN and MADGAN.

            With no arguments it runs the quick profile on Fashion-MNIST into runs/quick-TIME.
            A config file's keys override its profile's values; see the README for every key.

            Options:
              --profile NAME   quick (default), thesis or tiny; a config file's "profile" key wins
              --out RUN        run folder (default runs/PROFILE-YYYYmmdd-HHMMSS)
              --dataset NAME   override the config's dataset
              --seed S         override the config's seed
              --device DEV     override the config's device: cpu, cuda or cuda:N
              --stop-before classify
                               stop before Set 3, whose runs 'gda experiment classify' then
                               spreads over workers (see docs/distributed.md)
            """) { arguments in
        let stopBeforeClassify = try stopsBeforeClassify(&arguments)
        let profile = arguments.string("profile")
        let out = arguments.string("out")
        let dataset = arguments.string("dataset")
        let seed = try arguments.int("seed", range: 0...Int.max)
        let device = arguments.string("device")
        try arguments.finish(maximumPositionals: 1)

        var config: ExperimentConfig
        if let path = arguments.positionals.first {
            config = try ExperimentConfig.load(path)
            if let profile, profile != config.profile {
                throw UsageError("--profile \(profile) conflicts with the config file's profile '\(config.profile)'")
            }
        } else {
            config = try ExperimentConfig.profile(profile ?? "quick")
        }
        if let dataset { config.dataset = dataset }
        if let seed { config.seed = UInt64(seed) }
        if let device { config.device = device }
        try config.validate()
        if config.device != "cpu" { _ = try parseDevice(config.device) }

        let folder = out ?? defaultRunFolder(profile: config.profile)
        let run = try RunFolder(folder, create: true)
        if run.hasStages {
            throw GDAError.config("\(folder) already holds an experiment; continue it with 'gda experiment resume \(folder)' "
                + "or choose another --out")
        }
        return try runExperiment(config: config, run: run, stopBeforeClassify: stopBeforeClassify)
    },
    Command(["experiment", "resume"], summary: "Finish an interrupted experiment without redoing finished work",
            usage: """
            Usage: gda experiment resume RUN [--stop-before classify]

            Reads RUN/config.json and RUN/state.json and runs the stages that are not done. Finished
            stages and finished classifier runs are kept as they are.
            """) { arguments in
        let stopBeforeClassify = try stopsBeforeClassify(&arguments)
        try arguments.finish(maximumPositionals: 1)
        guard let folder = arguments.positionals.first else {
            throw UsageError("the run folder is required", hint: "gda experiment resume --help")
        }
        let run = try RunFolder(folder, create: false)
        let config = try ExperimentConfig.load("\(folder)/config.json")
        if run.isFinished { print("\(folder) is already finished; its report is \(folder)/report/index.html") }
        return try runExperiment(config: config, run: run, stopBeforeClassify: stopBeforeClassify)
    },
    Command(["report"], summary: "Render a run's report again from its results",
            usage: """
            Usage: gda report RUN

            Rebuilds RUN/report/index.html, report.md and results/cells.csv from the results on disk.
            """) { arguments in
        try arguments.finish(maximumPositionals: 1)
        guard let folder = arguments.positionals.first else { throw UsageError("the run folder is required", hint: "gda report --help") }
        let run = try RunFolder(folder, create: false)
        let config = try ExperimentConfig.load("\(folder)/config.json")
        let train = try DatasetSource.load(config.dataset, split: .train)
        let test = try DatasetSource.load(config.dataset, split: .test)
        let summary = try Experiment.summarize(run: run, config: config, trainCount: train.count, testCount: test.count,
                                               classNames: train.classNames)
        try Experiment.render(summary, run: run)
        print("\(folder)/report/index.html")
        return 0
    },
]

func runExperiment(config: ExperimentConfig, run: RunFolder, stopBeforeClassify: Bool = false) throws -> Int32 {
    let progress = ProgressPrinter(label: "experiment")
    progress.line("run folder \(run.path), profile \(config.profile), dataset \(config.dataset)")
    let experiment = try Experiment(config: config, run: run) { progress.line($0) }
    try experiment.execute(stopBeforeClassify: stopBeforeClassify)
    if stopBeforeClassify {
        print("\(run.path): ready for 'gda experiment classify \(run.path)' workers")
        return 0
    }
    print("report: \(run.path)/report/index.html")
    return 0
}

/// Reads --stop-before, whose one accepted stage is classify.
private func stopsBeforeClassify(_ arguments: inout Arguments) throws -> Bool {
    guard let stage = arguments.string("stop-before") else { return false }
    guard stage == "classify" else {
        throw UsageError("--stop-before accepts only 'classify', found '\(stage)'")
    }
    return true
}

func defaultRunFolder(profile: String) -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    formatter.timeZone = TimeZone(identifier: "UTC")
    return "runs/\(profile)-\(formatter.string(from: Date()))"
}
