"""Reference values of the generator metrics for two feature sets, as numpy, scipy and
scikit-learn compute them.

Usage: metrics_reference.py FEATURES.json [SECTION...]
FEATURES.json holds {"x1": rows, "x2": rows}; x1 plays the real set and x2 the fake set.
SECTION is any of fid, kid, nn (nearest-neighbour metrics), stats (mean and covariance of
x1); all but stats by default. Prints one JSON object.

- FID: ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr(sqrtm(S1 S2)), with scipy.linalg.sqrtm as
  pytorch-fid uses it, for covariances normalised by N - 1 and by N.
- KID: unbiased MMD^2 with the kernel (x.y / d + 1)^3 over the whole sets, one subset,
  where the cross term keeps i = j (clean-fid, torch-fidelity).
- Precision and recall (Kynkaenniemi et al. 2019): a sample is inside the other set's
  manifold when its distance to some sample there is <= that sample's k-th neighbour
  distance within its own set.
- Density and coverage (Naeem et al. 2020): strict <, radii from the real set only.
"""
import json
import sys

import numpy as np
from scipy import linalg
from sklearn.metrics import pairwise_distances


def fid(x1, x2, ddof):
    mu1, mu2 = x1.mean(axis=0), x2.mean(axis=0)
    s1, s2 = np.cov(x1, rowvar=False, ddof=ddof), np.cov(x2, rowvar=False, ddof=ddof)
    root = linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(root))


def kid_whole(x_real, x_fake):
    d = x_real.shape[1]
    m = min(len(x_real), len(x_fake))
    kxx = (x_fake @ x_fake.T / d + 1) ** 3
    kyy = (x_real @ x_real.T / d + 1) ** 3
    kxy = (x_fake @ x_real.T / d + 1) ** 3
    within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(within - 2 * kxy.sum() / (m * m))


def kth_radius(x, k):
    distances = pairwise_distances(x, x)
    # Column 0 of each sorted row is the sample itself.
    return np.sort(distances, axis=1)[:, k]


def precision_recall(real, fake, k):
    real_radius, fake_radius = kth_radius(real, k), kth_radius(fake, k)
    d = pairwise_distances(real, fake)  # (real, fake)
    precision = (d <= real_radius[:, None]).any(axis=0).mean()
    recall = (d <= fake_radius[None, :]).any(axis=1).mean()
    return float(precision), float(recall)


def density_coverage(real, fake, k):
    real_radius = kth_radius(real, k)
    d = pairwise_distances(real, fake)
    density = (d < real_radius[:, None]).sum(axis=0).mean() / k
    coverage = (d.min(axis=1) < real_radius).mean()
    return float(density), float(coverage)


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)
    x1, x2 = np.asarray(data["x1"], dtype=np.float64), np.asarray(data["x2"], dtype=np.float64)
    sections = set(sys.argv[2:]) or {"fid", "kid", "nn"}
    result = {}
    if "stats" in sections:
        result["mean"] = x1.mean(axis=0).tolist()
        result["cov_unbiased"] = np.cov(x1, rowvar=False, ddof=1).tolist()
        result["cov_biased"] = np.cov(x1, rowvar=False, ddof=0).tolist()
    if "fid" in sections:
        result["fid_unbiased"] = fid(x1, x2, ddof=1)
        result["fid_biased"] = fid(x1, x2, ddof=0)
    if "kid" in sections:
        result["kid_whole"] = kid_whole(x1, x2)
    for k in (3, 5) if "nn" in sections else ():
        precision, recall = precision_recall(x1, x2, k)
        density, coverage = density_coverage(x1, x2, k)
        result[f"precision_k{k}"] = precision
        result[f"recall_k{k}"] = recall
        result[f"density_k{k}"] = density
        result[f"coverage_k{k}"] = coverage
    print(json.dumps(result))


if __name__ == "__main__":
    main()
