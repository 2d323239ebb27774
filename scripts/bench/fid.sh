#!/usr/bin/env bash
# Times FID in gda and in scipy (pytorch-fid's sqrtm formula) on the same features:
# 10000×2048 per set by default, written once to a safetensors file.
# Usage: scripts/bench/fid.sh [REPEATS] [FEATURES_FILE]
# Builds gda in release mode when .build/release/gda is missing. The Python used is
# $GDA_PYTHON, else .venv-test/bin/python (numpy, scipy, safetensors). On a busy machine,
# compare single-threaded: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1.
set -euo pipefail
cd "$(dirname "$0")/../.."

repeats=${1:-5}
features=${2:-${TMPDIR:-/tmp}/gda-fid-bench-features.safetensors}
python=${GDA_PYTHON:-.venv-test/bin/python}

[[ -x .build/release/gda ]] || swift build -c release --product gda >&2

write=()
[[ -f $features ]] || write=(--write)
"$python" scripts/bench/fid_scipy.py "$features" "${write[@]}" --repeats "$repeats"
.build/release/gda bench fid --features "$features" --repeats "$repeats"
