#!/usr/bin/env bash
# Builds the `trainer` and `solve` .NET tool packages into ./artifacts (or $1), installs both from there into a
# throw-away tool path, and smoke-tests the installed commands from another folder.
# Usage: scripts/pack-tools.sh [ARTIFACTS_DIR] [CONFIGURATION]
# Install for yourself:  dotnet tool install --global --add-source ./artifacts Solver.Solve   (and Solver.Trainer)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-artifacts}"); config=${2:-Release}
dotnet pack src/Trainer -c "$config" -o "$out" --nologo -v quiet
dotnet pack src/Inference -c "$config" -o "$out" --nologo -v quiet
tools=$(mktemp -d); work=$(mktemp -d)
trap 'rm -rf "$tools" "$work"' EXIT
dotnet tool install --tool-path "$tools" --add-source "$out" Solver.Trainer --version 0.1.0 >/dev/null
dotnet tool install --tool-path "$tools" --add-source "$out" Solver.Solve --version 0.1.0 >/dev/null
cp examples/linear.png "$work/"
cd "$work"
"$tools/trainer" --help | grep -q "Examples:"
"$tools/solve" --help | grep -q "Examples:"
"$tools/solve" linear.png --accelerator cpu
echo "packages in $out: $(cd "$out" && ls Solver.*.nupkg | tr '\n' ' ')"
