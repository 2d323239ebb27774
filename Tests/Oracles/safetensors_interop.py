"""Reads or writes safetensors files with the reference `safetensors` package (numpy API).

    safetensors_interop.py read FILE    describe the tensors and metadata of FILE
    safetensors_interop.py write FILE   write the fixed test tensors to FILE and describe them

Prints one JSON object: {"tensors": {NAME: {"dtype", "shape", "hex"}}, "metadata": {...}},
where dtype is numpy's name and hex the little-endian bytes in row-major order.
"""
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file


def describe(path, arrays):
    with safe_open(path, framework="np") as handle:
        metadata = handle.metadata() or {}
    tensors = {
        name: {"dtype": str(a.dtype), "shape": list(a.shape),
               "hex": np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes().hex()}
        for name, a in arrays.items()
    }
    return {"tensors": tensors, "metadata": metadata}


def test_arrays():
    rng = np.random.default_rng(20)
    return {
        "f32": np.array([[0.5, -0.0, np.inf], [-np.inf, 1e-38, 3.4e38]], dtype=np.float32),
        "f64": rng.standard_normal(3),
        "i64": np.array([[-(2**63), 2**63 - 1], [0, -1]], dtype=np.int64),
        "i32": rng.integers(-(2**31), 2**31 - 1, size=(2, 1, 2), dtype=np.int32),
        "u8": np.array([0, 1, 128, 255], dtype=np.uint8),
        "bool": np.array([[True, False, True], [False, False, True]]),
        "scalar": np.array(2.5, dtype=np.float32),
        "scalar_i64": np.array(-7, dtype=np.int64),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "empty_i64": np.zeros((0,), dtype=np.int64),
        "nested.name/with:odd chars": np.arange(4, dtype=np.int32).reshape(2, 2),
    }


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "read":
        arrays = load_file(path)
    elif mode == "write":
        arrays = test_arrays()
        save_file(arrays, path, metadata={"format": "np", "note": "ünïcödé"})
    else:
        raise SystemExit(f"unknown mode {mode}; expected read or write")
    json.dump(describe(path, arrays), sys.stdout)


if __name__ == "__main__":
    main()
