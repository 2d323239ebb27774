"""Times FID as pytorch-fid computes it (numpy statistics, scipy.linalg.sqrtm), on the
features that `gda bench fid` times, and optionally writes those features.

Usage: fid_scipy.py FEATURES.safetensors [--write] [--samples N] [--dimension D]
                    [--repeats R] [--seed S]
With --write, draws the features first and saves them as float32 tensors real and fake.
Each set is Z @ A through a ReLU, with Z standard normal (N, D) and A a random (D, D)
mixing matrix, so that the features are non-negative and correlated like Inception pool
features. The fake set's mixing matrix is a perturbed copy of the real one. Prints the median timings and the FID.
"""
import argparse
import statistics
import time

import numpy as np
from scipy import linalg
from safetensors.numpy import load_file, save_file


def draw_features(samples, dimension, seed):
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((dimension, dimension)) / np.sqrt(dimension)
    perturbed = mixing + 0.1 * rng.standard_normal((dimension, dimension)) / np.sqrt(dimension)
    real = np.maximum(rng.standard_normal((samples, dimension)) @ mixing, 0)
    fake = np.maximum(rng.standard_normal((samples, dimension)) @ perturbed, 0)
    return real.astype(np.float32), fake.astype(np.float32)


def feature_statistics(features):
    features = features.astype(np.float64)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2):
    diff = mu1 - mu2
    root = linalg.sqrtm(sigma1 @ sigma2)
    if np.iscomplexobj(root):
        root = root.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(root))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("features")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--dimension", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    if args.write:
        real, fake = draw_features(args.samples, args.dimension, args.seed)
        save_file({"real": real, "fake": fake}, args.features)
    tensors = load_file(args.features)
    real, fake = tensors["real"], tensors["fake"]

    statistics_times, distance_times = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        mu1, sigma1 = feature_statistics(real)
        mu2, sigma2 = feature_statistics(fake)
        middle = time.perf_counter()
        fid = frechet_distance(mu1, sigma1, mu2, sigma2)
        end = time.perf_counter()
        statistics_times.append(middle - start)
        distance_times.append(end - middle)

    s, d = statistics.median(statistics_times), statistics.median(distance_times)
    print(f"scipy fid: {real.shape[0]}x{real.shape[1]} per set, {args.repeats} repeats")
    print(f"  statistics median {s:.3f} s, distance median {d:.3f} s, total {s + d:.3f} s")
    print(f"  FID {fid:.9f}")


if __name__ == "__main__":
    main()
