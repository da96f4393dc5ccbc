#!/usr/bin/env bash
# Where the CPU goes in one benchmark workload: runs the Release benchmark under EventPipe's sample profiler
# (dotnet-trace, profile dotnet-sampled-thread-time), converts the trace to speedscope, and prints the CPU time by the
# deepest managed frame ("self") and by the deepest frame of Structured ("ours"), for the samples whose stack holds a
# given frame. Not part of CI (a minute or two). Needs dotnet-trace (dotnet tool install -g dotnet-trace) and python3.
#   eng/profile-cpu.sh 'Loop.RunOne' --quick --only W6         the loop thread of the W6 rows
#   eng/profile-cpu.sh 'Loop.RunOne' --w5-child loop           one W5 repetition on the loop (its own process)
#   eng/profile-cpu.sh 'OneThrowFloor' --quick --only W6       the one-throw floor, for comparison
# The first argument is a substring of a frame's name; the rest go to the benchmark program.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ $# -ge 2 ] || { echo "usage: eng/profile-cpu.sh FRAME-SUBSTRING BENCHMARK-ARGS..." >&2; exit 2; }
frame=$1; shift
export PATH="$PATH:$HOME/.dotnet/tools"
command -v dotnet-trace > /dev/null || { echo "dotnet-trace is not installed: dotnet tool install -g dotnet-trace" >&2; exit 1; }
dotnet build -c Release -nologo -v:q -clp:NoSummary bench/Structured.Benchmarks > /dev/null
out=$(mktemp -d /tmp/profile-cpu.XXXX)
dotnet-trace collect --profile dotnet-sampled-thread-time -o "$out/trace.nettrace" \
  -- bench/Structured.Benchmarks/bin/Release/net10.0/Structured.Benchmarks "$@" > "$out/collect.log" 2>&1
dotnet-trace convert --format Speedscope "$out/trace.nettrace" -o "$out/trace" > /dev/null
python3 - "$out/trace.speedscope.json" "$frame" <<'PY'
import collections, json, sys
data = json.load(open(sys.argv[1]))
frames = [f["name"] for f in data["shared"]["frames"]]
must = sys.argv[2]
by_self, by_ours, total = collections.Counter(), collections.Counter(), 0.0
for profile in data["profiles"]:
    stack, last = [], None
    for event in profile["events"]:
        at = event["at"]
        if stack and last is not None:
            names = [frames[i] for i in stack]
            # Thread time: only the samples where the thread was on the CPU, under the frame asked for.
            if names[-1] == "CPU_TIME" and any(must in n for n in names):
                managed = [n for n in names if n not in ("CPU_TIME", "UNMANAGED_CODE_TIME")]
                ours = [n for n in managed if n.startswith("Structured.") and not n.startswith("Structured.Benchmarks")]
                total += at - last
                by_self[managed[-1].split("!")[-1][:110]] += at - last
                by_ours[(ours[-1] if ours else "(no frame of Structured)").split("!")[-1][:110]] += at - last
        last = at
        if event["type"] == "O":
            stack.append(event["frame"])
        elif stack:
            stack.pop()
if total == 0:
    sys.exit(f"no CPU samples under a frame containing {must!r}")
print(f"CPU time under '{must}': {total:,.0f} ms")
for title, counter in (("by deepest managed frame (self)", by_self), ("by deepest frame of Structured", by_ours)):
    print(f"-- {title}")
    for name, ms in counter.most_common(15):
        print(f"{100 * ms / total:5.1f} %  {name}")
PY
echo "trace: $out/trace.nettrace"
