#!/usr/bin/env bash
# Runs the benchmark on a CUDA machine from the bundle made by scripts/gpu-bundle.sh (no .NET needed):
#   tar xzf solver-gpu-linux-x64.tar.gz && solver-gpu/scripts/bench-gpu.sh [extra benchmark options]
# Our kernels run on CUDA; PyTorch runs the identical models on CUDA beside them when `torch` with CUDA is importable,
# otherwise the table says "-" for it. Writes performance-gpu.md next to the bundle, and performance-gpu-conv.md (the
# direct and the im2col convolutions side by side in whole training steps).
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(command -v python3 || true)
peer=(--no-torch)
if [ -n "$python" ] && "$python" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  peer=(--python "$python")
else
  echo "PyTorch with CUDA is not importable here: our side only" >&2
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
bin/Solver.Bench --accelerator cuda "${peer[@]}" --out performance-gpu.md "$@"
# The two convolution formulations inside whole training steps: on a GPU the direct kernels are the default until this
# says otherwise (ConvOps.PrefersColumns).
bin/Solver.Bench --accelerator cuda --no-torch --only conv-algorithms --out performance-gpu-conv.md "$@"
