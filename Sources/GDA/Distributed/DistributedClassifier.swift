import Torch

// The data-parallel parts of classifier training, called from ClassifierTrainer.

extension DataParallel {
    /// Makes the ranks' classifiers start equal (rank 0's weights go to every rank) and gives
    /// ranks other than 0 their own dropout stream, seeded from (seed, rank), so their masks
    /// differ. Rank 0 keeps the stream one process would use.
    func prepare(_ model: ClassifierNet, dropout: Generator, seed: UInt64) throws {
        try broadcastState(of: [model])
        guard rank > 0 else { return }
        let own = try Generator(seed: Seeds.derive(seed, "classifier-dropout-rank", rank), device: dropout.device)
        try dropout.setState(try own.state())
    }

    /// The seed of this rank's augmentation stream in `epoch`; nil on rank 0, which uses the
    /// stream one process would use.
    func augmentSeed(_ seed: UInt64, epoch: Int) -> UInt64? {
        rank == 0 ? nil : Seeds.derive(seed, "classifier-augment-rank", epoch, rank)
    }

    /// Returns an epoch's training totals summed over the ranks.
    func sum(_ loss: Double, _ correct: Int, _ seen: Int) throws -> (Double, Int, Int) {
        let sums = try sum([loss, Double(correct), Double(seen)])
        return (sums[0], Int(sums[1].rounded()), Int(sums[2].rounded()))
    }
}
