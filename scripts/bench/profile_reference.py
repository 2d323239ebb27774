#!/usr/bin/env python3
"""Profiles the PyTorch reference training step with torch.profiler, for comparison with
`gda bench MODEL --profile`.

Usage: profile_reference.py --reference reference_step.py MODEL [--batch 64]
           [--generators 10] [--steps 10] [--threads 1] [--top 20]

Builds the reference script's step for MODEL, runs 5 warm-up steps and --steps timed ones,
then --steps more under the profiler. Prints the operators with the most self time per
step with their input shapes, as gda's profile table does. Needs full PyTorch.
"""
import argparse
import importlib.util
import time

import torch
from torch.profiler import ProfilerActivity, profile


def load_reference(path):
    spec = importlib.util.spec_from_file_location("reference_step", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True, help="path of reference_step.py")
    parser.add_argument("model", choices=["dcgan", "cgan", "madgan", "classifier"])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--generators", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()

    reference = load_reference(args.reference)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.model == "madgan":
        step = reference.madgan_step_fn(args.batch, args.generators)
    elif args.model == "classifier":
        step = reference.classifier_step_fn(args.batch)
    else:
        step = reference.gan_step_fn(args.batch, args.model == "cgan")
    for _ in range(5):
        step()
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    plain = (time.perf_counter() - started) / args.steps

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as recording:
        started = time.perf_counter()
        for _ in range(args.steps):
            step()
        profiled = (time.perf_counter() - started) / args.steps
    rows = recording.key_averages(group_by_input_shape=True)
    rows = sorted(rows, key=lambda row: row.self_cpu_time_total, reverse=True)
    inside = sum(row.self_cpu_time_total for row in rows) / 1e6 / args.steps

    print(f"{args.model}: {plain * 1000:.2f} ms per step, {profiled * 1000:.2f} ms under the profiler, "
          f"{(profiled - inside) * 1000:.2f} ms of it outside operators (Python, profiler)")
    print(f"  {'operator (self time)':48s} calls/step  ms/step  input shapes")
    for row in rows[:args.top]:
        shapes = " ".join(str(list(shape)).replace(" ", "") for shape in row.input_shapes if shape)
        print(f"  {row.key[:48]:48s} {row.count / args.steps:10.1f} "
              f"{row.self_cpu_time_total / 1000 / args.steps:8.2f}  {shapes}")


if __name__ == "__main__":
    main()
