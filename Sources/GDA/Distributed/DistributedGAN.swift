import Foundation
import Torch

// The data-parallel parts of GAN training, called from small hooks in GANTrainer.
//
// Each rank trains on its shard of every epoch (`--batch-size` images per rank and step)
// and draws its own latents. Discriminator and generator gradients are averaged over the
// ranks before each optimizer step, so all replicas take the same updates.

extension DataParallel {
    /// Makes the ranks' GAN states start equal: rank 0's weights, buffers and moving
    /// average go to every rank. Ranks other than 0 then draw latents from their own
    /// stream, seeded from (seed, rank, step), so the ranks' fakes differ.
    func prepare(_ state: GANState) throws {
        try checkSamePosition(state.position)
        var modules: [Module] = [state.generator, state.discriminator]
        if let averaged = state.averaged { modules.append(averaged) }
        try broadcastState(of: modules)
        guard rank > 0 else { return }
        // NOTE: a resumed run reseeds these streams at the resumed step, so ranks other than
        // 0 do not continue the latents an uninterrupted run would have drawn.
        let seed = Seeds.derive(state.config.seed, "gan-noise-rank", rank, state.position.step)
        try state.noise.setState(try Generator(seed: seed, device: state.device).state())
    }

    /// Throws unless every rank starts at rank 0's position. A resumed run needs every rank
    /// to read the same checkpoint, from a file system they share; optimizer state is not
    /// sent.
    private func checkSamePosition(_ position: TrainingPosition) throws {
        let rows = try collective("comparing the ranks' positions") {
            try group.allGather(try Tensor([Int64(position.step), Int64(position.epoch), Int64(position.batch)]))
        }
        let values = try rows.scalars(as: Int64.self)
        let steps = (0..<worldSize).map { values[3 * $0] }
        let differing = (0..<worldSize).filter { !values[0..<3].elementsEqual(values[(3 * $0)..<(3 * $0 + 3)]) }
        guard differing.isEmpty else {
            throw GDAError.config("the ranks start at different positions (steps \(steps) by rank): every rank "
                + "must read the run folder's checkpoints from a shared file system")
        }
    }

    /// Applies `batchNormSync` to every model of a GAN state at an epoch's end.
    func synchronizeBatchNorm(_ state: GANState) throws {
        var modules: [Module] = [state.generator, state.discriminator]
        if let averaged = state.averaged { modules.append(averaged) }
        try synchronizeBatchNorm(of: modules)
    }
}

// MARK: - World size of a run

/// The number of ranks a run was started with, recorded in RUN/distributed.json, because
/// its checkpoints count steps and batches per rank: a run resumes only on as many ranks.
/// A run without the file was started by one process.
enum RunWorldSize {
    static func path(_ folder: String) -> String { "\(folder)/distributed.json" }

    /// Records `worldSize` for a new run; one process records nothing.
    static func record(_ worldSize: Int, folder: String) throws {
        guard worldSize > 1 else { return }
        let data = Data("{\"world_size\": \(worldSize)}\n".utf8)
        try GANCheckpoint.wrap { try AtomicFile.write(data, to: path(folder)) }
    }

    /// Throws unless the run in `folder` was started with `worldSize` ranks.
    static func check(_ worldSize: Int, folder: String) throws {
        let recorded = try read(folder)
        guard recorded == worldSize else {
            throw GDAError.config("\(folder) was trained on \(recorded) process(es) and can only resume on as many; "
                + "found \(worldSize)")
        }
    }

    static func read(_ folder: String) throws -> Int {
        let file = path(folder)
        guard let data = FileManager.default.contents(atPath: file) else { return 1 }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let value = object["world_size"] as? Int, value >= 1
        else {
            throw GDAError.config("\(file) is invalid: expected {\"world_size\": N} with N >= 1")
        }
        return value
    }
}

extension GANTrainer {
    /// The parameters of the generator(s), the discriminator and the moving average, in
    /// that order; equal on every rank of a data-parallel run.
    public func parameterDigest() throws -> UInt64 {
        var modules: [Module] = [state.generator, state.discriminator]
        if let averaged = state.averaged { modules.append(averaged) }
        return try ParameterDigest.of(modules)
    }
}
