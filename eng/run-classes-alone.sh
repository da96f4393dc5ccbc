#!/usr/bin/env bash
# Runs every test class (or, with --methods, every test method) of every test project alone, each in a process of its
# own, to find tests that pass only after another test ran first (state installed by a static constructor, a meter's
# instruments created by an earlier test, a warmed cache, an ordering assumption). xunit runs tests in an order that
# can change from one run to the next, so such a test flakes in CI; alone, it fails every time. Not part of CI (about
# 3 minutes on 2 cores by class, about 10 by method); run it after touching static state.
#   eng/run-classes-alone.sh            prints the classes that failed alone, and "done <project>" for each project
#   eng/run-classes-alone.sh --methods  the same, one process per test method
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
unit=classes; option=-class
if [ "${1:-}" = "--methods" ]; then unit=tests; option=-method; fi
dotnet build -nologo -v:q -clp:NoSummary > /dev/null || { echo "build failed: run dotnet build to see why"; exit 1; }
failed=0
for project in tests/Structured.*.Tests; do
  name=$(basename "$project")
  [ "$name" = "Structured.Analyzers.Tests" ] && continue # Roslyn analyzer tests: no shared runtime state
  # A test's full name is Namespace.Class.Method (a theory's cases run together under its method).
  runner="$project/bin/Debug/net10.0/$name" # the test program itself: dotnet run would evaluate the project each time
  items=$("$runner" -list $unit 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^[A-Za-z]+Tests?\.[A-Za-z_.]+' | sed 's/[( ].*//' | sort -u)
  for item in $items; do
    output=$(cd "$project" && timeout 120 "../../$runner" $option "$item" 2>&1)
    if ! grep -q "Failed: 0," <<< "$output"; then
      echo "=== $name $item"
      grep -E "FAIL|Assert|Exception|Total" <<< "$output" | head -8
      failed=$((failed + 1))
    fi
  done
  echo "done $name"
done
echo "$failed $unit failed alone"
[ "$failed" -eq 0 ]
