import Foundation

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): a small seeded generator whose output depends only on the seed, so that
/// data subsets are the same on every platform and libtorch version.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Mixes several values into one seed, such as (seed, epoch): each value is folded in by
    /// XOR and one SplitMix64 step.
    public static func mix(_ values: UInt64...) -> UInt64 {
        values.reduce(0x243F_6A88_85A3_08D3) { result, value in
            var generator = SplitMix64(seed: result ^ value)
            return generator.next()
        }
    }
}

// MARK: - Stratified subsets and splits

extension Dataset {
    /// Indices of each class, in dataset order.
    public var indicesByClass: [[Int]] {
        var groups = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() { groups[Int(label)].append(index) }
        return groups
    }

    /// Computes how many images of each class a stratified subset of `count` images takes.
    /// Each class gets `count · n_c / N` rounded down, and the images left over go one each to
    /// the classes with the largest remainders (ties to the lower class index). A `count`
    /// above the dataset size takes every image.
    public func stratifiedQuotas(count: Int) -> [Int] {
        precondition(count >= 0, "subset size must not be negative, found \(count)")
        let count = Swift.min(count, self.count)
        let sizes = classCounts
        guard self.count > 0 else { return sizes }
        var quotas = sizes.map { $0 * count / self.count }
        let remainders = sizes.map { $0 * count % self.count }
        let order = remainders.indices.sorted { remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1 }
        for index in order.prefix(count - quotas.reduce(0, +)) { quotas[index] += 1 }
        return quotas
    }

    /// Returns the indices of a stratified random subset of `count` images, in ascending order: each class
    /// contributes its quota from `stratifiedQuotas`, chosen uniformly by a generator seeded
    /// with `seed`.
    public func stratifiedIndices(count: Int, seed: UInt64) -> [Int] {
        let quotas = stratifiedQuotas(count: count)
        let count = quotas.reduce(0, +)
        var generator = SplitMix64(seed: seed)
        var chosen = [Int]()
        chosen.reserveCapacity(count)
        for (label, var members) in indicesByClass.enumerated() {
            // A partial Fisher-Yates shuffle draws the first `quota` members.
            let quota = quotas[label]
            for position in 0..<quota {
                let pick = position + Int(generator.next(upperBound: UInt64(members.count - position)))
                members.swapAt(position, pick)
            }
            chosen += members.prefix(quota)
        }
        return chosen.sorted()
    }

    /// Returns a stratified random subset of `count` images. Class proportions are kept
    /// exactly, up to rounding by largest remainder, and the same seed gives the same subset.
    public func stratifiedSubset(count: Int, seed: UInt64) -> Dataset {
        subset(stratifiedIndices(count: count, seed: seed))
    }

    /// Returns a stratified random subset of `round(fraction · count)` images.
    public func stratifiedSubset(fraction: Double, seed: UInt64) -> Dataset {
        precondition(fraction >= 0 && fraction <= 1, "fraction \(fraction) is outside [0, 1]")
        return stratifiedSubset(count: Int((fraction * Double(count)).rounded()), seed: seed)
    }

    /// Splits the set into disjoint training and validation parts that cover it, the
    /// validation part a stratified random subset of `round(validationFraction · count)` images.
    public func split(validationFraction: Double, seed: UInt64) -> (train: Dataset, validation: Dataset) {
        precondition(validationFraction >= 0 && validationFraction <= 1,
                     "validation fraction \(validationFraction) is outside [0, 1]")
        let validation = stratifiedIndices(count: Int((validationFraction * Double(count)).rounded()), seed: seed)
        var isValidation = [Bool](repeating: false, count: count)
        for index in validation { isValidation[index] = true }
        let train = (0..<count).filter { !isValidation[$0] }
        return (subset(train), subset(validation))
    }
}

// MARK: - Statistics

/// Summary statistics of a dataset's pixels.
public enum DatasetStats {
    /// Computes the per-channel mean and population standard deviation of the pixels in
    /// [0, 1] units (byte value / 255), the values classifier normalisation uses.
    public static func channelMeanStd(_ dataset: Dataset) -> (mean: [Double], std: [Double]) {
        let plane = dataset.height * dataset.width
        var sums = [UInt64](repeating: 0, count: dataset.channels)
        var squares = [UInt64](repeating: 0, count: dataset.channels)
        dataset.images.withUnsafeBufferPointer { buffer in
            guard let bytes = buffer.baseAddress else { return }
            for image in 0..<dataset.count {
                for channel in 0..<dataset.channels {
                    var pointer = bytes + (image * dataset.channels + channel) * plane
                    let end = pointer + plane
                    var sum: UInt64 = 0
                    var square: UInt64 = 0
                    while pointer < end {
                        let value = UInt64(pointer.pointee)
                        sum &+= value
                        square &+= value &* value
                        pointer += 1
                    }
                    sums[channel] += sum
                    squares[channel] += square
                }
            }
        }
        let n = Double(dataset.count * plane)
        guard n > 0 else {
            let zeros = [Double](repeating: 0, count: dataset.channels)
            return (zeros, zeros)
        }
        let mean = sums.map { Double($0) / n / 255 }
        let std = zip(squares, mean).map { square, mean in
            (Swift.max(0, Double(square) / n / (255 * 255) - mean * mean)).squareRoot()
        }
        return (mean, std)
    }
}
