import Foundation
@testable import GDA
import Testing
import Torch

/// `gda bench`'s step benchmark: it trains the real models and prints the reference
/// script's line.
@Suite("step benchmark")
struct StepBenchmarkTests {
    init() {
        _ = GANFixtures.oneThread
    }

    @Test("bench trains and prints one line", arguments: BenchModel.allCases)
    func benchTrains(_ model: BenchModel) throws {
        let benchmark = try StepBenchmark(StepBenchmarkOptions(model: model, batch: 8, generators: 3, steps: 2,
                                                               warmup: 0))
        let before = try benchmark.parameters.map { try $0.scalars(as: Float.self) }
        let result = try benchmark.run()
        let after = try benchmark.parameters.map { try $0.scalars(as: Float.self) }

        let line = try #require(result.line.wholeMatch(of: /(\w+) images_per_second=(\d+\.\d) step_ms=(\d+\.\d\d)/))
        #expect(line.1 == model.rawValue)
        let imagesPerSecond = try #require(Double(line.2))
        let stepMilliseconds = try #require(Double(line.3))
        #expect(imagesPerSecond > 0)
        // images/s = batch / step seconds, up to the printed rounding.
        #expect(abs(imagesPerSecond * stepMilliseconds / 1000 - 8) < 0.1)
        #expect(result.steps == 2)

        #expect(before.count == after.count)
        let unchanged = zip(before, after).enumerated().filter { $0.element.0 == $0.element.1 }.map(\.offset)
        #expect(unchanged.isEmpty, "parameters \(unchanged) of \(before.count) did not change")
    }

    @Test("bench rejects a batch of one")
    func rejectsBatchOfOne() {
        #expect(throws: GDAError.self) {
            try StepBenchmark(StepBenchmarkOptions(model: .dcgan, batch: 1))
        }
    }
}
