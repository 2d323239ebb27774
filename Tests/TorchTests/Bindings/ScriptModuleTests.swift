import Testing
import Torch

/// A TorchScript module scripted by PyTorch (a convolution, batch norm, ReLU and a linear
/// layer that returns a tuple) runs from Swift with PyTorch's outputs.
@Suite struct ScriptModuleTests {
    @Test func forwardMatchesPyTorch() throws {
        let expected = try Fixture.load("script")
        let module = try ScriptModule(contentsOf: try Fixture.path("tiny_script.pt"))
        let outputs = try module.forward([try expected["input"]])
        try #require(outputs.count == 2)
        try expectClose(outputs[0], try expected["logits"], "logits")
        try expectClose(outputs[1], try expected["mean"], "mean")
    }

    @Test func trainingModeUsesBatchStatistics() throws {
        let expected = try Fixture.load("script")
        let module = try ScriptModule(contentsOf: try Fixture.path("tiny_script.pt"))
        try module.train(true)
        let outputs = try module.forward([try expected["input"]])
        try expectClose(outputs.first, try expected["train_logits"], "training-mode logits")
    }

    @Test func wrongInputThrowsAndModuleStillWorks() throws {
        let expected = try Fixture.load("script")
        let module = try ScriptModule(contentsOf: try Fixture.path("tiny_script.pt"))
        let wrong = try Tensor.zeros([2, 3, 4, 4])
        let error = try #require(throws: TorchError.self) { try module.forward([wrong]) }
        #expect(error.message.contains("TorchScript forward failed"))
        #expect(error.message.contains("channels"), "\(error.message)")
        #expect(throws: TorchError.self) { try module.forward([]) }
        let outputs = try module.forward([try expected["input"]])
        try expectClose(outputs.first, try expected["logits"], "logits after a failure")
    }
}
