import Foundation

/// The class distribution of each MADGAN generator: a generator × class table of counts
/// from an auxiliary classifier's predictions on each generator's samples, with each
/// generator's majority class and the classes the generators cover together.
public struct ModeTable: Codable, Sendable, Equatable {
    /// `counts[g][c]`: samples of generator g predicted as class c.
    public let counts: [[Int]]
    /// Each generator's most frequent class (the lowest index on ties); nil for a generator
    /// without samples.
    public let majorityClass: [Int?]
    /// The share of each generator's samples in its majority class; nil without samples.
    public let purity: [Double?]
    /// The classes that are some generator's majority class, ascending.
    public let coveredClasses: [Int]
    /// The classes with at least one sample from any generator, ascending.
    public let classesWithSamples: [Int]
    /// KL divergence (natural log) of the overall class histogram from the uniform
    /// distribution over all classes: 0 when every class is equally frequent, log C when
    /// all samples fall in one class.
    public let klFromUniform: Double

    /// The table for samples whose generator is `generators[i]` (in `0..<generatorCount`)
    /// and whose predicted class is `classes[i]` (in `0..<classCount`).
    public static func compute(generators: [Int], classes: [Int], generatorCount: Int,
                               classCount: Int) throws -> ModeTable {
        guard generators.count == classes.count else {
            throw GDAError("the mode table needs one generator index per predicted class, "
                + "found \(generators.count) generator indices and \(classes.count) classes")
        }
        guard !generators.isEmpty else { throw GDAError("the mode table needs at least one sample, found none") }
        guard generatorCount > 0, classCount > 0 else {
            throw GDAError("the mode table needs positive generator and class counts, "
                + "found \(generatorCount) and \(classCount)")
        }
        if let index = generators.firstIndex(where: { !(0..<generatorCount).contains($0) }) {
            throw GDAError("generator index \(generators[index]) at sample \(index) is outside 0..<\(generatorCount)")
        }
        if let index = classes.firstIndex(where: { !(0..<classCount).contains($0) }) {
            throw GDAError("predicted class \(classes[index]) at sample \(index) is outside 0..<\(classCount)")
        }

        var counts = Array(repeating: Array(repeating: 0, count: classCount), count: generatorCount)
        for (generator, label) in zip(generators, classes) { counts[generator][label] += 1 }

        var majority: [Int?] = []
        var purity: [Double?] = []
        for row in counts {
            let total = row.reduce(0, +)
            guard total > 0, let top = row.max(), let index = row.firstIndex(of: top) else {
                majority.append(nil)
                purity.append(nil)
                continue
            }
            majority.append(index)
            purity.append(Double(top) / Double(total))
        }

        let classTotals = (0..<classCount).map { label in counts.reduce(0) { $0 + $1[label] } }
        let sampleCount = Double(generators.count)
        let kl = classTotals.reduce(0.0) { sum, total in
            guard total > 0 else { return sum }
            let p = Double(total) / sampleCount
            return sum + p * Foundation.log(p * Double(classCount))
        }

        return ModeTable(counts: counts, majorityClass: majority, purity: purity,
                         coveredClasses: Array(Set(majority.compactMap { $0 })).sorted(),
                         classesWithSamples: classTotals.indices.filter { classTotals[$0] > 0 },
                         klFromUniform: kl)
    }
}
