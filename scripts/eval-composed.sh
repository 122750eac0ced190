#!/usr/bin/env bash
# Composed-equation evaluation of the shipped recognizer (docs/results.md): random linear and quadratic
# equations are assembled at run time from the recognizer's test-split symbol images in ../shared/data/hms
# (expressions the recognizer never saw: the split is the one of the training config stored in the weights),
# run through the whole pipeline, and scored. Nothing is written.
# Usage: scripts/eval-composed.sh [COUNT] [SEED] [extra solve options, e.g. --weights FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-400}; seed=${2:-1}; shift $(( $# > 2 ? 2 : $# ))
dotnet run --project src/Inference -c Release -- evaluate-composed --count "$count" --seed "$seed" "$@"
