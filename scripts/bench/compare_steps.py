#!/usr/bin/env python3
"""Runs `gda bench MODEL` and the PyTorch reference step script in turns and prints, per
model, the median images per second of each, the median of the pairwise ratios, and each
side's peak memory. Standard library only; scripts/bench/compare.sh is the entry point.
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile

LINE = re.compile(r"^(\w+) images_per_second=([0-9.]+) step_ms=([0-9.]+)$", re.MULTILINE)


def run(command, environment):
    """Runs `command`; returns (images per second, step ms, peak resident KiB)."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=environment)
        output = process.stdout.read().decode()
        # wait4 reports the child's own resource use: ru_maxrss is its peak RSS in KiB.
        _, status, usage = os.wait4(process.pid, 0)
        if status != 0:
            errors.seek(0)
            raise SystemExit(f"{command[0]} failed (wait status {status}):\n"
                             f"{errors.read().decode(errors='replace')[-2000:]}")
    match = LINE.search(output)
    if match is None:
        raise SystemExit(f"no 'MODEL images_per_second=N step_ms=N' line in the output of "
                         f"{' '.join(command)}:\n{output}")
    return float(match.group(2)), float(match.group(3)), usage.ru_maxrss


def machine():
    """Returns a one-line description: CPU model, logical CPUs, memory."""
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        memory = f"{kib / 2**20:.1f} GiB"
    except OSError:
        memory = "unknown memory"
    return f"{model}, {os.cpu_count()} logical CPUs, {memory}"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gda", required=True, help="the gda executable")
    parser.add_argument("--python", required=True, help="a Python with torch")
    parser.add_argument("--reference", required=True, help="reference_step.py")
    parser.add_argument("--models", default="dcgan,cgan,madgan,classifier")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--generators", type=int, default=10)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--wait-policy", choices=["passive", "active", "inherit"], default="passive")
    parser.add_argument("--verbose", action="store_true", help="print every run")
    args = parser.parse_args()

    environment = dict(os.environ)
    environment["OMP_NUM_THREADS"] = str(args.threads)
    environment["MKL_NUM_THREADS"] = str(args.threads)
    if args.wait_policy != "inherit":
        environment["OMP_WAIT_POLICY"] = args.wait_policy.upper()
    shared = ["--batch", str(args.batch), "--generators", str(args.generators), "--steps", str(args.steps)]

    print(f"# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(f"# {args.threads} thread(s) each, OMP_WAIT_POLICY={environment.get('OMP_WAIT_POLICY', 'unset')}, "
          f"batch {args.batch}, K = {args.generators}, {args.steps} timed steps per run, "
          f"{args.pairs} pairs per model, alternating which side runs first")
    print(f"{'model':11s} {'gda img/s':>10s} {'torch img/s':>12s} {'ratio':>6s} {'min':>5s} {'max':>5s} "
          f"{'gda MiB':>8s} {'torch MiB':>9s}  load average (1 min) before, after")
    for model in args.models.split(","):
        gda_command = [args.gda, "bench", model, "--threads", str(args.threads)] + shared
        torch_command = [args.python, args.reference, model] + shared
        load_before = os.getloadavg()[0]
        gda, torch = [], []
        for pair in range(args.pairs):
            order = [("gda", gda_command), ("torch", torch_command)]
            if pair % 2 == 1:
                order.reverse()
            for side, command in order:
                result = run(command, environment)
                (gda if side == "gda" else torch).append(result)
                if args.verbose:
                    print(f"#   {model} pair {pair + 1} {side}: {result[0]:.1f} img/s, {result[1]:.2f} ms, "
                          f"{result[2] / 1024:.0f} MiB", flush=True)
        ratios = [g[0] / t[0] for g, t in zip(gda, torch)]
        print(f"{model:11s} {statistics.median(r[0] for r in gda):10.1f} "
              f"{statistics.median(r[0] for r in torch):12.1f} {statistics.median(ratios):6.2f} "
              f"{min(ratios):5.2f} {max(ratios):5.2f} {max(r[2] for r in gda) / 1024:8.0f} "
              f"{max(r[2] for r in torch) / 1024:9.0f}  {load_before:.2f}, {os.getloadavg()[0]:.2f}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
