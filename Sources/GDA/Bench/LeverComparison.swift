import Foundation
import Torch

/// A process-wide setting whose effect on step time `gda bench --ab` measures.
public enum BenchLever: String, CaseIterable, Sendable {
    /// `ConvolutionKernels.preferNativeForFewChannels`.
    case nativeConvolutions = "native-conv"
    /// `ConvolutionKernels.channelsLastForOneDNN`.
    case channelsLast = "channels-last"
    /// `InPlaceActivations.enabled`.
    case inPlace = "in-place"
    /// `ClassifierNet.channelsLast`.
    case classifierChannelsLast = "classifier-channels-last"

    /// Turns the setting on or off.
    func set(_ on: Bool) {
        switch self {
        case .nativeConvolutions: ConvolutionKernels.preferNativeForFewChannels = on
        case .channelsLast: ConvolutionKernels.channelsLastForOneDNN = on
        case .inPlace: InPlaceActivations.enabled = on
        case .classifierChannelsLast: ClassifierNet.channelsLast = on
        }
    }

    /// The setting's value now.
    var isOn: Bool {
        switch self {
        case .nativeConvolutions: ConvolutionKernels.preferNativeForFewChannels
        case .channelsLast: ConvolutionKernels.channelsLastForOneDNN
        case .inPlace: InPlaceActivations.enabled
        case .classifierChannelsLast: ClassifierNet.channelsLast
        }
    }
}

/// Medians of steps timed with a setting on and off, alternating step by step in one
/// process so that both sides see the same machine load.
public struct LeverComparison: Sendable {
    public let model: BenchModel
    public let lever: BenchLever
    public let steps: Int
    /// Median wall-clock and process CPU milliseconds per step, setting on.
    public let onWall: Double, onCPU: Double
    /// The same with the setting off.
    public let offWall: Double, offCPU: Double
    /// Median over step pairs of (off CPU time) / (on CPU time): above 1 when on is faster.
    public let speedup: Double

    public var line: String {
        String(format: "%@ %@ on: step_ms=%.2f cpu_ms=%.2f off: step_ms=%.2f cpu_ms=%.2f speedup=%.3f",
               model.rawValue, lever.rawValue, onWall, onCPU, offWall, offCPU, speedup)
    }

    /// Builds two benchmarks of `options` (same seeds), runs their warm-up steps, then
    /// `options.steps` pairs of steps, one with `lever` on and one with it off, in turns.
    /// The setting is left as it was.
    public static func run(_ options: StepBenchmarkOptions, lever: BenchLever) throws -> LeverComparison {
        let original = lever.isOn
        defer { lever.set(original) }
        let on = try StepBenchmark(options), off = try StepBenchmark(options)
        for _ in 0..<options.warmup {
            lever.set(true)
            try on.step()
            lever.set(false)
            try off.step()
        }
        var samples: (onWall: [Double], onCPU: [Double], offWall: [Double], offCPU: [Double]) = ([], [], [], [])
        for pair in 0..<options.steps {
            // Alternating which side goes first cancels an effect of order (a warm cache).
            for side in pair % 2 == 0 ? [true, false] : [false, true] {
                lever.set(side)
                let (wall, cpu) = try measure { try (side ? on : off).step() }
                if side {
                    samples.onWall.append(wall)
                    samples.onCPU.append(cpu)
                } else {
                    samples.offWall.append(wall)
                    samples.offCPU.append(cpu)
                }
            }
        }
        let ratios = zip(samples.offCPU, samples.onCPU).map { $0 / Swift.max($1, 1e-9) }
        return LeverComparison(model: options.model, lever: lever, steps: options.steps,
                               onWall: median(samples.onWall), onCPU: median(samples.onCPU),
                               offWall: median(samples.offWall), offCPU: median(samples.offCPU),
                               speedup: median(ratios))
    }

    /// Wall-clock and process CPU milliseconds of `body`.
    private static func measure(_ body: () throws -> Void) rethrows -> (Double, Double) {
        let wall = DispatchTime.now().uptimeNanoseconds
        let cpu = processCPUNanoseconds()
        try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - wall) / 1e6,
                Double(processCPUNanoseconds() - cpu) / 1e6)
    }

    private static func processCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
