#!/usr/bin/env bash
# Trains one config with several seeds (init and shuffle; the split stays the config's) into runs/<name>-s<seed>,
# then scores them as an ensemble on the config's test split: softmax probabilities averaged over the networks and,
# as the solver reads, over seven test-time poses (docs/results.md).
# Usage: scripts/train-ensemble.sh CONFIG [SEED ...]   (default seeds: 1 2 3)
# Resumable: a seed whose run folder has a checkpoint but no exported weights continues with --resume.
set -uo pipefail
cd "$(dirname "$0")/.."
config=${1:?usage: scripts/train-ensemble.sh CONFIG [SEED ...]}; shift
seeds=("${@:-1 2 3}")
[ -f "$config" ] || { echo "config not found: $config" >&2; exit 2; }
name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$config") || exit 2
data=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["data"]["paths"]))' "$config") || exit 2
bin=${TRAINER_BIN:-}
if [ -z "$bin" ]; then
  dotnet publish src/Trainer -c Release -o runs/bin >/dev/null || exit 1
  bin=runs/bin/trainer.dll
fi
weights=()
for s in ${seeds[@]}; do
  out="runs/$name-s$s"
  args=(--config "$config" --seed "$s" --out "$out")
  [ -f "$out/checkpoint.safetensors" ] && [ ! -f "$out/model.safetensors" ] && args+=(--resume)
  if [ ! -f "$out/model.safetensors" ]; then
    echo "== $name seed $s $(date -u +%FT%TZ)"
    dotnet "$bin" "${args[@]}" >> "$out.log" 2>&1 || { echo "seed $s failed: see $out.log" >&2; exit 1; }
  fi
  weights+=("$out/model.safetensors")
done
list=$(IFS=,; echo "${weights[*]}")
echo "== ensemble of ${#weights[@]}: $list"
dotnet "$bin" evaluate --weights "$list" --data $data --config "$config" --average-variants
