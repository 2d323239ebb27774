import Torch
let g = try Generator(seed: 1)
let a = try Tensor.randn([2, 3], generator: g)
let b = try Tensor.randn([4, 5], generator: g)
print(Torch.version, a.shape, try a.scalars(as: Float.self))
do { _ = try a.matmul(b) } catch { print("ERR", error) }
let lin = try Linear(3, 2, generator: g)
let y = try lin(a).sum()
try y.backward()
print(try lin.weight.grad!.scalars(as: Float.self))
let bn = try BatchNorm(3)
_ = try bn(a)
print(bn.stateDict().map(\.0), try bn.batchesTracked.item(as: Int64.self))
do { _ = try ScriptModule(contentsOf: "/nonexistent.pt") } catch { print("ERR", error) }
