#!/usr/bin/env bash
# What a session with a lent GPU machine runs, in one go: gpu_speed.py, then the CUDA tests
# (its figures merged into a copy of benchmarks/results/speed.json). Results go to $OUT.
#   OUT=/tmp/gpu bash benchmarks/gpu_session.sh
# The machine's own python3 holds torch and transformers; POT travels as a wheel in .whl/.
set -u
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 KEDRO_DISABLE_TELEMETRY=1
OUT=${OUT:-/tmp/gpu_session}
mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD/src:$PWD"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/device.txt"
python3 -c 'import torch, transformers; print(torch.__version__, transformers.__version__)' \
  | tee -a "$OUT/device.txt"
cp benchmarks/results/speed.json "$OUT/speed.json"
timeout 200 python3 benchmarks/gpu_speed.py --out "$OUT/speed.json" 2>&1 | tee "$OUT/gpu_speed.log"
timeout 200 python3 -m pytest -q -p no:cacheprovider tests/training/test_cuda.py 2>&1 \
  | tee "$OUT/cuda_tests.log"
