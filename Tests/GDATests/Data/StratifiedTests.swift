import GDA
import Testing

@Suite("Stratified subsets and splits")
struct StratifiedTests {
    @Test("quotas follow largest remainder")
    func quotas() {
        let dataset = DataFixtures.indexed(classCounts: [50, 30, 20])
        // 10 of 100: exactly 5, 3, 2.
        #expect(dataset.stratifiedQuotas(count: 10) == [5, 3, 2])
        // 7 of 100: 3.5, 2.1, 1.4 round down to 3, 2, 1; the one left goes to class 0 (0.5).
        #expect(dataset.stratifiedQuotas(count: 7) == [4, 2, 1])
        // 9 of 100: 4.5, 2.7, 1.8 round down to 4, 2, 1; the two left go to classes 2 and 1.
        #expect(dataset.stratifiedQuotas(count: 9) == [4, 3, 2])
        #expect(dataset.stratifiedQuotas(count: 0) == [0, 0, 0])
        #expect(dataset.stratifiedQuotas(count: 100) == [50, 30, 20])
        #expect(dataset.stratifiedQuotas(count: 500) == [50, 30, 20])
    }

    @Test("subset class counts are exact")
    func subsetBalance() {
        let dataset = DataFixtures.indexed(classCounts: [60, 60, 60, 60])
        let subset = dataset.stratifiedSubset(count: 40, seed: 3)
        #expect(subset.classCounts == [10, 10, 10, 10])
        let fraction = dataset.stratifiedSubset(fraction: 0.25, seed: 3)
        #expect(fraction.classCounts == [15, 15, 15, 15])
    }

    @Test("subset images keep their labels")
    func subsetLabels() {
        let dataset = DataFixtures.indexed(classCounts: [13, 7, 29])
        let subset = dataset.stratifiedSubset(count: 17, seed: 11)
        let original = DataFixtures.originalIndices(subset)
        #expect(Set(original).count == 17)
        for (position, index) in original.enumerated() {
            #expect(subset.labels[position] == dataset.labels[index])
        }
    }

    @Test("same seed gives same subset")
    func seedDeterminism() {
        let dataset = DataFixtures.indexed(classCounts: [40, 40, 40])
        let first = dataset.stratifiedIndices(count: 30, seed: 42)
        #expect(first == dataset.stratifiedIndices(count: 30, seed: 42))
        #expect(first != dataset.stratifiedIndices(count: 30, seed: 43))
    }

    @Test("split parts are disjoint and cover")
    func splitPartition() {
        let dataset = DataFixtures.indexed(classCounts: [31, 17, 52])
        let (train, validation) = dataset.split(validationFraction: 0.2, seed: 5)
        let trainIndices = Set(DataFixtures.originalIndices(train))
        let validationIndices = Set(DataFixtures.originalIndices(validation))
        #expect(validation.count == 20)
        #expect(train.count == 80)
        #expect(trainIndices.isDisjoint(with: validationIndices))
        #expect(trainIndices.union(validationIndices) == Set(0..<100))
        // 0.2 of 31, 17, 52: 6.2, 3.4, 10.4 round down to 6, 3, 10; the one left goes to class 1.
        #expect(validation.classCounts == [6, 4, 10])
    }

    @Test("mix separates nearby inputs")
    func mixDiffers() {
        #expect(SplitMix64.mix(1, 0) != SplitMix64.mix(1, 1))
        #expect(SplitMix64.mix(1, 0) != SplitMix64.mix(0, 1))
        #expect(SplitMix64.mix(7, 3) == SplitMix64.mix(7, 3))
    }
}
