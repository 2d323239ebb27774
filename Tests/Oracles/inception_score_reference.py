"""Inception Score as torch-fidelity computes it, without its initial shuffle, in numpy.

Usage: inception_score_reference.py PROBABILITIES.json SPLITS
PROBABILITIES.json contains a list of rows of class probabilities. Split i contains rows
i*N//SPLITS up to (i+1)*N//SPLITS, and it scores exp(mean KL(p(y|x) || p(y))) with p(y)
the split's mean row. Prints {"mean": ..., "std": ...} (population std).
"""
import json
import sys

import numpy as np
from scipy.special import rel_entr

with open(sys.argv[1]) as f:
    p = np.asarray(json.load(f), dtype=np.float64)
splits = int(sys.argv[2])
n = len(p)
scores = []
for i in range(splits):
    part = p[i * n // splits:(i + 1) * n // splits]
    marginal = part.mean(axis=0, keepdims=True)
    scores.append(np.exp(rel_entr(part, marginal).sum(axis=1).mean()))
print(json.dumps({"mean": float(np.mean(scores)), "std": float(np.std(scores))}))
