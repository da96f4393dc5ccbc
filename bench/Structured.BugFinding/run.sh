#!/usr/bin/env bash
# The bug-finding benchmark of docs/testing.md: Structured.Testing's strategies and Microsoft Coyote 1.7.11 on the same
# bugs, in one run. Not part of CI or `dotnet test`. Usage: bench/Structured.BugFinding/run.sh [seeds] [max-schedules] [seconds] [bugs]
# Results go to bench/results/bugfinding/ (ours.csv, coyote.csv, table.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds="${1:-5}"; max="${2:-10000}"; seconds="${3:-5}"; bugs="${4:-all}"
out=bench/results/bugfinding
mkdir -p "$out"
tools="${COYOTE_TOOL_PATH:-$PWD/bench/results/bugfinding/.tools}"
if [ ! -x "$tools/coyote" ]; then
  dotnet tool install --tool-path "$tools" Microsoft.Coyote.CLI --version 1.7.11
fi
dotnet build bench/Structured.BugFinding -c Release -v:q -nologo
dotnet build bench/Structured.BugFinding.Coyote -c Release -v:q -nologo
coyote_bin=bench/Structured.BugFinding.Coyote/bin/Release/net10.0
# Coyote's rewriting tool targets an older runtime: let it roll forward to .NET 10.
DOTNET_ROLL_FORWARD=Major "$tools/coyote" rewrite "$coyote_bin/Structured.BugFinding.Coyote.dll"
DOTNET_ROLL_FORWARD=Major dotnet "$coyote_bin/Structured.BugFinding.Coyote.dll" "$seeds" "$max" "$seconds" "$bugs" > "$out/coyote.csv"
bug_args=()
[ "$bugs" != all ] && bug_args=(--bugs "$bugs")
dotnet bench/Structured.BugFinding/bin/Release/net10.0/Structured.BugFinding.dll --seeds "$seeds" --max-schedules "$max" --seconds "$seconds" \
  "${bug_args[@]}" --coyote "$out/coyote.csv" --csv "$out/ours.csv" --table "$out/table.md"
