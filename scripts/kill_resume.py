#!/usr/bin/env python3
"""Kill a training run at random moments, resume it, and check that nothing was lost.

    .venv-test/bin/python scripts/kill_resume.py --gda .build/debug/gda [--model dcgan|classifier]
        [--trials 20] [--seed 1]

First an uninterrupted reference run trains into WORK/reference, with --model dcgan (the
default)

    gda train dcgan --dataset fashion-mnist --limit 256 --batch-size 16 --steps 40
        --checkpoint-every 5 --seed 1 --out RUN

or with --model classifier

    gda train classifier --dataset fashion-mnist --limit 512 --batch-size 32 --epochs 3
        --augment fashion --checkpoint-every 5 --seed 1 --out RUN

Then each trial trains the same run into its own folder and kills it with SIGKILL one to
four times, then resumes it with `gda train --resume RUN` until it finishes. Each kill comes
either after a random delay or the moment a checkpoint write starts or ends (a new temporary
or step file in RUN/checkpoints), so kills land inside checkpoint writes too. Every process
runs with OMP_NUM_THREADS=1, which makes CPU training deterministic.

After each trial the script checks that:

- the final step checkpoint and generator.safetensors (classifier: classifier.safetensors)
  equal the reference's, tensor by tensor and byte for byte, with the same metadata; the
  classifier's files are also compared whole, byte for byte, as is results/classifier.json;
- every file left in the run parses: config.json, each line of metrics.jsonl, `latest` (which
  names an existing checkpoint), every safetensors file, every PNG, and every TensorBoard
  event file record by record with its CRC-32C checks; no temporary file is left;
- for GAN runs, metrics.jsonl holds the reference's (step, tag, value) records, no more and
  no fewer, timing records aside, and samples/ holds the reference's grids.

It prints one JSON object with the counts and exits 1 when a check fails.
"""
import argparse
import json
import os
import pathlib
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image
from safetensors import safe_open

# Per model: the training command, and the files in RUN/checkpoints that must equal the
# reference's.
RUNS = {
    "dcgan": (["train", "dcgan", "--dataset", "fashion-mnist", "--limit", "256", "--batch-size", "16", "--steps",
               "40", "--checkpoint-every", "5", "--seed", "1"],
              ["step-000040.safetensors", "generator.safetensors"]),
    "classifier": (["train", "classifier", "--dataset", "fashion-mnist", "--limit", "512", "--batch-size", "32",
                    "--epochs", "3", "--augment", "fashion", "--checkpoint-every", "5", "--seed", "1"],
                   ["step-000048.safetensors", "classifier.safetensors"]),
}


def environment():
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = "1"
    return env


def run_to_end(gda, arguments):
    """Runs gda without interruption; raises when it fails."""
    result = subprocess.run([gda] + arguments, env=environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"gda {' '.join(arguments)} failed ({result.returncode}): {result.stderr}")


def checkpoint_event(folder, known):
    """Returns True once RUN/checkpoints contains a file name not in `known`."""
    try:
        names = set(os.listdir(folder))
    except FileNotFoundError:
        return False
    return bool(names - known)


def start_and_kill(gda, arguments, run, rng, reference_seconds, counts):
    """Starts gda, kills it at a random moment, and returns True when it finished first."""
    process = subprocess.Popen([gda] + arguments, env=environment(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    checkpoints = os.path.join(run, "checkpoints")
    if rng.random() < 0.5:
        # The moment the checkpoint folder changes: a temporary file appears (a write has
        # started) or a step file appears (a rename has just happened).
        known = set(os.listdir(checkpoints)) if os.path.isdir(checkpoints) else set()
        skip = rng.randrange(0, 6)
        deadline = time.monotonic() + 4 * reference_seconds + 10
        while process.poll() is None and time.monotonic() < deadline:
            if checkpoint_event(checkpoints, known):
                if skip == 0:
                    break
                skip -= 1
                known = set(os.listdir(checkpoints))
            time.sleep(0.0005)
        kind = "checkpoint"
    else:
        time.sleep(rng.uniform(0, 1.2 * reference_seconds))
        kind = "time"
    if process.poll() is not None:
        stderr = process.stderr.read().decode()
        if process.returncode != 0:
            raise RuntimeError(f"gda {' '.join(arguments)} failed ({process.returncode}): {stderr}")
        counts["finished_before_kill"] += 1
        return True
    process.send_signal(signal.SIGKILL)
    process.wait()
    counts["kills"] += 1
    counts[f"kills_{kind}"] += 1
    # A temporary file left behind means the kill landed inside an atomic write.
    if os.path.isdir(checkpoints) and any(".tmp-" in name for name in os.listdir(checkpoints)):
        counts["kills_inside_write"] += 1
    return False


# MARK: - Checks

def tensors(path):
    with safe_open(path, framework="numpy") as handle:
        return handle.metadata() or {}, {name: handle.get_tensor(name) for name in handle.keys()}


def same_checkpoint(path, reference):
    metadata, values = tensors(path)
    expected_metadata, expected = tensors(reference)
    problems = []
    if metadata != expected_metadata:
        problems.append(f"{path}: metadata {metadata} != {expected_metadata}")
    if values.keys() != expected.keys():
        problems.append(f"{path}: tensor names differ")
    for name in sorted(values.keys() & expected.keys()):
        a, b = values[name], expected[name]
        if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
            problems.append(f"{path}: tensor {name} differs from the reference")
    return problems


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def check_events(path):
    data = pathlib.Path(path).read_bytes()
    offset = 0
    while offset < len(data):
        if offset + 12 > len(data):
            return f"{path}: torn record header at byte {offset}"
        length = struct.unpack_from("<Q", data, offset)[0]
        if struct.unpack_from("<I", data, offset + 8)[0] != masked(crc32c(data[offset:offset + 8])):
            return f"{path}: bad length CRC at byte {offset}"
        end = offset + 12 + length
        if end + 4 > len(data):
            return f"{path}: torn record at byte {offset}"
        if struct.unpack_from("<I", data, end)[0] != masked(crc32c(data[offset + 12:end])):
            return f"{path}: bad data CRC at byte {offset}"
        offset = end + 4
    return None


def metric_records(path):
    """The (step, tag, value) records of metrics.jsonl, sorted, repeats kept, timings left out."""
    records = []
    for line in pathlib.Path(path).read_text().splitlines():
        record = json.loads(line)
        if record["tag"].startswith("time/"):
            continue
        records.append((record["step"], record["tag"], json.dumps(record.get("value", record.get("image_bytes")))))
    return sorted(records)


def check_run(run, reference, model):
    """Returns the problems found in a finished run folder."""
    problems = []
    for root, _, files in os.walk(run):
        for name in files:
            path = os.path.join(root, name)
            if ".tmp-" in name:
                problems.append(f"{path}: temporary file left behind")
            elif name.endswith(".safetensors"):
                try:
                    tensors(path)
                except Exception as error:  # noqa: BLE001 - any parse failure is a finding
                    problems.append(f"{path}: does not parse: {error}")
            elif name.endswith(".png"):
                try:
                    with Image.open(path) as image:
                        image.load()
                except Exception as error:  # noqa: BLE001
                    problems.append(f"{path}: does not parse: {error}")
            elif name.startswith("events.out.tfevents."):
                problem = check_events(path)
                if problem:
                    problems.append(problem)
    try:
        json.loads(pathlib.Path(run, "config.json").read_text())
    except Exception as error:  # noqa: BLE001
        problems.append(f"{run}/config.json does not parse: {error}")
    if model == "classifier":
        problems += same_bytes(os.path.join(run, "results", "classifier.json"),
                               os.path.join(reference, "results", "classifier.json"))
    else:
        try:
            records = metric_records(os.path.join(run, "metrics.jsonl"))
            if records != metric_records(os.path.join(reference, "metrics.jsonl")):
                problems.append(f"{run}/metrics.jsonl: records differ from the reference's")
        except Exception as error:  # noqa: BLE001
            problems.append(f"{run}/metrics.jsonl does not parse: {error}")
        samples = sorted(os.listdir(os.path.join(run, "samples")))
        expected_samples = sorted(os.listdir(os.path.join(reference, "samples")))
        if samples != expected_samples:
            problems.append(f"{run}/samples: {samples}, the reference has {expected_samples}")
    latest = pathlib.Path(run, "checkpoints", "latest").read_text().strip()
    if not pathlib.Path(run, "checkpoints", latest).is_file():
        problems.append(f"{run}/checkpoints/latest names {latest}, which is missing")
    for name in RUNS[model][1]:
        path = os.path.join(run, "checkpoints", name)
        if not os.path.isfile(path):
            problems.append(f"{path}: missing")
            continue
        expected = os.path.join(reference, "checkpoints", name)
        problems += same_checkpoint(path, expected)
        if model == "classifier":
            problems += same_bytes(path, expected)
    return problems


def same_bytes(path, reference):
    """Returns a problem when the two files' bytes differ."""
    try:
        if pathlib.Path(path).read_bytes() == pathlib.Path(reference).read_bytes():
            return []
    except OSError as error:
        return [f"{path}: cannot be read: {error}"]
    return [f"{path}: bytes differ from {reference}"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gda", required=True)
    parser.add_argument("--model", choices=sorted(RUNS), default="dcgan")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work")
    parser.add_argument("--keep", action="store_true", help="keep the run folders")
    args = parser.parse_args()
    gda = os.path.abspath(args.gda)
    work = args.work or tempfile.mkdtemp(prefix="gda-kill-")
    os.makedirs(work, exist_ok=True)
    rng = random.Random(args.seed)
    train = RUNS[args.model][0]
    counts = {"model": args.model, "trials": 0, "kills": 0, "kills_time": 0, "kills_checkpoint": 0, "kills_inside_write": 0,
              "finished_before_kill": 0, "resumes": 0, "problems": []}
    try:
        reference = os.path.join(work, "reference")
        started = time.monotonic()
        run_to_end(gda, train + ["--out", reference])
        reference_seconds = time.monotonic() - started
        counts["reference_seconds"] = round(reference_seconds, 2)
        for trial in range(args.trials):
            run = os.path.join(work, f"trial-{trial}")
            finished = False
            for _ in range(rng.randint(1, 4)):
                # A kill before config.json exists leaves nothing to resume: start again.
                resuming = os.path.isfile(os.path.join(run, "config.json"))
                arguments = ["train", "--resume", run] if resuming else train + ["--out", run]
                counts["resumes"] += resuming
                finished = start_and_kill(gda, arguments, run, rng, reference_seconds, counts)
                if finished:
                    break
            if not finished:
                resuming = os.path.isfile(os.path.join(run, "config.json"))
                counts["resumes"] += resuming
                run_to_end(gda, ["train", "--resume", run] if resuming else train + ["--out", run])
            counts["trials"] += 1
            counts["problems"] += [f"trial {trial}: {problem}" for problem in check_run(run, reference, args.model)]
            if not args.keep:
                shutil.rmtree(run)
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(counts, indent=1))
    return 1 if counts["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
