"""Tensor operations computed by numpy, for comparison with the Swift Torch API.

    numpy_tensor_ops.py INPUT OUTPUT

Reads the arrays a, b (float32, 2x3x4), mask (bool, 2x3x4) and index (int64) from the
safetensors file INPUT, applies each operation below and writes every result to the
safetensors file OUTPUT under the operation's name. Floating-point results are computed in
float64 and stored as float32; the comparison allows for that rounding.
"""
import sys

import numpy as np
from safetensors.numpy import load_file, save_file


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def operations(a, b, mask, index):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return {
        "slice": a[:, 1:3],
        "slice_step": a[:, :, ::2],
        "slice_negative": a[:, :, -3:-1],
        "select": a[1],
        "select_negative": a[:, -1],
        "cat0": np.concatenate([a, b], axis=0),
        "cat2": np.concatenate([a, b], axis=2),
        "stack0": np.stack([a, b], axis=0),
        "stack_last": np.stack([a, b], axis=-1),
        "reshape": a.reshape(4, 6),
        "reshape_inferred": a.reshape(-1, 3),
        "permute": a.transpose(2, 0, 1),
        "transpose": np.swapaxes(a, 0, 2),
        "transpose_then_reshape": np.swapaxes(a, 1, 2).reshape(2, 12),
        "unsqueeze": a[:, np.newaxis],
        "squeeze": a[:, :1].squeeze(1),
        "flatten": a.reshape(2, -1),
        "flip": np.flip(a, (0, 2)),
        "expand": np.broadcast_to(a[:, :1, :], (2, 3, 4)),
        "repeat": np.tile(a, (1, 2, 1)),
        "repeat_interleave": np.repeat(a, 2, axis=1),
        "index_select": np.take(a, index, axis=1),
        "where": np.where(mask, b, a),
        "sum_all": a64.sum(),
        "sum_dims": a64.sum(axis=(0, 2)),
        "sum_keepdim": a64.sum(axis=1, keepdims=True),
        "mean_all": a64.mean(),
        "mean_dims": a64.mean(axis=1),
        "max_all": a.max(),
        "min_all": a.min(),
        "max_dim_values": a.max(axis=2),
        "max_dim_indices": a.argmax(axis=2),
        "argmax": a.argmax(axis=1),
        "matmul": a64 @ np.swapaxes(b64, 1, 2),
        "add": a64 + b64,
        "sub": a64 - b64,
        "mul": a64 * b64,
        "div": a64 / b64,
        "add_scalar": a64 + 2.5,
        "rsub_scalar": 2.5 - a64,
        "div_scalar": a64 / 4.0,
        "neg": -a64,
        "pow": a64 ** 2,
        "abs": np.abs(a64),
        "exp": np.exp(a64),
        "log_abs": np.log(np.abs(a64)),
        "sqrt_abs": np.sqrt(np.abs(a64)),
        "clamp": np.clip(a64, -0.5, 0.5),
        "clamp_min": np.maximum(a64, 0.1),
        "relu": np.maximum(a64, 0),
        "leaky_relu": np.where(a64 > 0, a64, 0.2 * a64),
        "sigmoid": 1 / (1 + np.exp(-a64)),
        "tanh": np.tanh(a64),
        "softmax": softmax(a64, 2),
        "log_softmax": np.log(softmax(a64, 1)),
        "gt": a > 0.2,
        "lt": a < -0.2,
        "ge": a >= 0,
        "eq_tensor": a == b,
        "to_int64": (a64 * 10).astype(np.int64),
        "to_uint8": np.abs(a64 * 10).astype(np.uint8),
        "bool_to_float": mask.astype(np.float32),
        "arange": np.arange(2, 11, 3, dtype=np.int64),
        "arange_float": np.arange(0, 5, dtype=np.float32),
    }


def main():
    inputs = load_file(sys.argv[1])
    results = operations(inputs["a"], inputs["b"], inputs["mask"], inputs["index"])
    out = {}
    for name, value in results.items():
        value = np.array(value, order="C")
        if value.dtype == np.float64:
            value = value.astype(np.float32)
        out[name] = value
    save_file(out, sys.argv[2])


if __name__ == "__main__":
    main()
