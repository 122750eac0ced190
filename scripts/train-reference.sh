#!/usr/bin/env bash
# Trains the reference models one after another into runs/<name>, each with its log, then the PyTorch peer
# on the identical split. Usage: scripts/train-reference.sh [model4 model3 ...]  (default: all five)
# Resumable: a model whose run folder has a checkpoint continues with --resume.
set -uo pipefail
cd "$(dirname "$0")/.."
models=("${@:-model4 model3 model1_2 model2 model1}")
bin=${TRAINER_BIN:-}
if [ -z "$bin" ]; then
  dotnet publish src/Trainer -c Release -o runs/bin >/dev/null || exit 1
  bin=runs/bin/trainer.dll
fi
for m in ${models[@]}; do
  args=(--config "configs/$m.json" --out "runs/$m")
  [ -f "runs/$m/checkpoint.safetensors" ] && [ ! -f "runs/$m/model.safetensors" ] && args+=(--resume)
  echo "== $m $(date -u +%FT%TZ)"
  dotnet "$bin" "${args[@]}" >> "runs/$m.log" 2>&1 || echo "$m failed: see runs/$m.log"
done
