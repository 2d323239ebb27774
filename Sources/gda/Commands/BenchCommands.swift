import Foundation
import GDA
import Torch

let benchCommands: [Command] = [
    Command(["bench"], summary: "Time training steps of dcgan, cgan, madgan or classifier",
            usage: """
            Usage: gda bench MODEL [--batch N] [--generators K] [--steps N] [--warmup N]
                                   [--threads N] [--profile]

            Times gda's training step for MODEL (dcgan, cgan, madgan or classifier) on fixed
            random inputs: --warmup untimed steps (default 5), then --steps timed ones
            (default 30), with batch --batch (default 64) and, for madgan, K = --generators
            (default 10). --threads sets libtorch's intra-op threads (default: libtorch's
            choice). Prints one line, as the PyTorch reference step script does:

              MODEL images_per_second=N step_ms=N

            where an image is one real image consumed by one training step. With --profile,
            --steps more steps then run under libtorch's profiler, and a table of where
            their time went, by kind of work and by operator, goes to standard error.
            See also: gda bench fid.
            """, flags: ["profile"]) { arguments in
        guard let name = arguments.positionals.first else {
            let models = BenchModel.allCases.map(\.rawValue).joined(separator: ", ")
            throw UsageError("MODEL is required: one of \(models)", hint: "gda bench --help")
        }
        if name == "dispatch" {
            let calls = try arguments.int("calls", range: 1...100_000_000) ?? 200_000
            try arguments.finish(maximumPositionals: 1)
            for (label, nanoseconds) in try DispatchBenchmark.run(calls: calls) {
                print(String(format: "dispatch %@ ns_per_call=%.0f", label, nanoseconds))
            }
            return 0
        }
        guard let model = BenchModel(rawValue: name) else {
            throw UsageError("unknown model '\(name)'; expected one of "
                + BenchModel.allCases.map(\.rawValue).joined(separator: ", "), hint: "gda bench --help")
        }
        var options = StepBenchmarkOptions(model: model)
        options.batch = try arguments.int("batch", range: 2...65536) ?? options.batch
        options.generators = try arguments.int("generators", range: 1...1000) ?? options.generators
        options.steps = try arguments.int("steps", range: 1...1_000_000) ?? options.steps
        options.warmup = try arguments.int("warmup", range: 0...1_000_000) ?? options.warmup
        let threads = try arguments.int("threads", range: 1...1024)
        let profile = try arguments.flag("profile")
        let leverName = arguments.string("ab")
        try arguments.finish(maximumPositionals: 1)

        if let threads { Torch.threads = threads }
        if let leverName {
            guard let lever = BenchLever(rawValue: leverName) else {
                throw UsageError("unknown setting '\(leverName)' for --ab; expected one of "
                    + BenchLever.allCases.map(\.rawValue).joined(separator: ", "))
            }
            print(try LeverComparison.run(options, lever: lever).line)
            return 0
        }
        let benchmark = try StepBenchmark(options)
        print(try benchmark.run().line)
        if profile {
            // A table of many lines: writeError would escape its line breaks.
            let table = try benchmark.profile(steps: options.steps).report()
            FileHandle.standardError.write(Data((table + "\n").utf8))
        }
        return 0
    },
    Command(["bench", "epoch"], summary: "Time one real training epoch against its steps alone",
            usage: """
            Usage: gda bench epoch MODEL [--dataset NAME] [--limit N] [--batch N] [--generators K]
                                         [--augment POLICY] [--threads N]

            Trains MODEL (dcgan, cgan, madgan or classifier) for one epoch on --dataset
            (default fashion-mnist), a stratified subset of --limit images (default 6400), in a
            temporary run folder, and prints the epoch's wall-clock time, the time of its
            training steps alone and the difference as a share of the latter: data loading,
            logging, sample grids and checkpoints. --augment applies a traditional
            augmentation policy to classifier batches.
            """) { arguments in
        guard let name = arguments.positionals.first, let model = BenchModel(rawValue: name) else {
            let models = BenchModel.allCases.map(\.rawValue).joined(separator: ", ")
            throw UsageError("MODEL must be one of \(models)", hint: "gda bench epoch --help")
        }
        let datasetName = arguments.string("dataset") ?? "fashion-mnist"
        let limit = try arguments.int("limit", range: 2...10_000_000) ?? 6400
        let batch = try arguments.int("batch", range: 2...65536) ?? 64
        let generators = try arguments.int("generators", range: 1...1000) ?? 10
        let augment = arguments.string("augment")
        let threads = try arguments.int("threads", range: 1...1024)
        try arguments.finish(maximumPositionals: 1)

        if let threads { Torch.threads = threads }
        let full = try DatasetSource.load(datasetName, split: .train)
        let dataset = limit < full.count ? full.stratifiedSubset(count: limit, seed: 0) : full
        let report = try EpochBenchmark.run(model: model, dataset: dataset, batch: batch, generators: generators,
                                            augmentPolicy: augment)
        print(report.line)
        return 0
    },
]
