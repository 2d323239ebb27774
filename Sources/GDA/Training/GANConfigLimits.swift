import Foundation

extension GANConfig {
    /// Upper bounds on the settings that size memory, the same ranges `gda train` accepts on its
    /// command line. A `config.json` edited by hand or damaged cannot then request a billion
    /// generators or a batch of 2^40 images.
    static var limits: [(name: String, keyPath: KeyPath<GANConfig, Int>, range: ClosedRange<Int>)] { [
        ("batch size", \.batchSize, 2...65536),
        ("generators", \.generators, 1...1000),
        ("epochs", \.epochs, 1...1_000_000),
        ("discriminator steps", \.discriminatorSteps, 1...100),
        ("checkpoints kept", \.keepCheckpoints, 1...1000),
        ("checkpoint interval", \.checkpointEvery, 1...Int(Int32.max)),
        ("log interval", \.logEvery, 1...Int(Int32.max)),
        ("grid columns", \.gridColumns, 1...100),
        ("class count", \.classCount, 0...65536),
    ] }

    /// Throws a configuration error naming the first setting outside its range.
    func validateLimits() throws {
        for (name, keyPath, range) in Self.limits where !range.contains(self[keyPath: keyPath]) {
            throw GDAError.config("\(name) must be in \(range.lowerBound)...\(range.upperBound), "
                + "found \(self[keyPath: keyPath])")
        }
        for (name, value) in [("steps", steps), ("limit", limit)] {
            if let value, !(1...Int(Int32.max)).contains(value) {
                throw GDAError.config("\(name) must be in 1...\(Int32.max), found \(value)")
            }
        }
    }
}
