#!/usr/bin/env bash
# Runs every test class of every test project alone, each in a process of its own, to find tests that pass only
# after another test ran first (state installed by a static constructor, a warmed cache, an ordering assumption).
# xunit runs classes in an order that can change from one run to the next, so such a test flakes in CI; alone, it
# fails every time. Not part of CI (about 5 minutes on 2 cores); run it after touching static state.
#   eng/run-classes-alone.sh            prints the classes that failed alone, and "done <project>" for each project
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build -nologo -v:q -clp:NoSummary > /dev/null || { echo "build failed: run dotnet build to see why"; exit 1; }
failed=0
for project in tests/Structured.*.Tests; do
  name=$(basename "$project")
  [ "$name" = "Structured.Analyzers.Tests" ] && continue # Roslyn analyzer tests: no shared runtime state
  classes=$(cd "$project" && dotnet run --no-build -- -list classes 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^[A-Za-z]+Tests?\.[A-Za-z_.]+$' | sort -u)
  for class in $classes; do
    output=$(cd "$project" && timeout 120 dotnet run --no-build -- -class "$class" 2>&1)
    if ! grep -q "Failed: 0," <<< "$output"; then
      echo "=== $name $class"
      grep -E "FAIL|Assert|Exception|Total" <<< "$output" | head -8
      failed=$((failed + 1))
    fi
  done
  echo "done $name"
done
echo "$failed classes failed alone"
[ "$failed" -eq 0 ]
