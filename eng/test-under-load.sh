#!/usr/bin/env bash
# Runs `dotnet test` (the whole solution, or the arguments given) while CPU hogs keep every core busy: the check that
# no test depends on the machine being idle (a real-time margin, a sleep standing in for an order). CI never retries,
# so a test that passes only on a quiet machine is a bug. Exits with dotnet test's exit code.
#
#   eng/test-under-load.sh                                         # the whole suite, 2 hogs per core
#   HOGS=8 eng/test-under-load.sh --project tests/Structured.Hosting.Tests
#
# The hogs are busy shell loops at normal priority, started by this script and ended by it (by their ids) on exit.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

hogs="${HOGS:-$(( $(nproc) * 2 ))}"
pids=()
stop_hogs() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  wait "${pids[@]}" 2>/dev/null
}
trap stop_hogs EXIT

for ((i = 0; i < hogs; i++)); do
  ( while :; do :; done ) &
  pids+=("$!")
done
echo "test-under-load: $hogs CPU hogs on $(nproc) cores (load $(cut -d' ' -f1-3 /proc/loadavg)); running dotnet test $*"
start=$SECONDS
dotnet test "$@"
rc=$?
echo "test-under-load: dotnet test exited $rc after $((SECONDS - start)) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
exit "$rc"
