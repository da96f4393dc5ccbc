using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;

namespace Structured.Testing;

/// <summary>Shrinks the failing schedule of an exploration and writes its report (<see cref="ConcurrencyPropertyException"/>).</summary>
internal static class FailureReport
{
    internal static ConcurrencyPropertyException Shrink(Func<Task> body, RunTrace trace, ExceptionDispatchInfo error, Schedule schedule, string strategy,
        ExplorationOptions options, ExplorationSummary summary)
    {
        // The failing run is the last of the summary's: the exploration counts every run, the failing one too, and stops there.
        int failingRun = summary.Schedules;
        var first = ChoiceLists.Trim(trace.Choices);
        // The same failure, not any: a shrink that turns a lost update into a deadlock would report another bug.
        var kind = ConcurrencyProperty.Unwrap(error).GetType();
        var clock = options.TimeProvider;
        long started = clock.GetTimestamp();
        int spent = 0, shrinks = 0;
        bool exhausted = false;

        // Runs are deterministic: a candidate that passed once passes again, so the local steps never rerun one.
        var passed = new HashSet<string>(StringComparer.Ordinal);

        int[]? Fails(int[] candidate)
        {
            string key = string.Join(",", candidate);
            if (passed.Contains(key))
                return null;
            if (spent >= options.MaxShrinkRuns || (options.ShrinkTimeBudget is { } budget && clock.GetElapsedTime(started) >= budget))
            {
                exhausted = true;
                return null;
            }
            spent++;
            var (candidateTrace, candidateError) = TestLoop.RunCore(body, options.RunOptions(Schedule.FromChoices(candidate)));
            if (candidateError is null || ConcurrencyProperty.Unwrap(candidateError).GetType() != kind)
            {
                passed.Add(key);
                return null;
            }
            shrinks++;
            // What the run actually chose (each choice modulo the ready count, no trailing FIFO) is at most the candidate.
            return ChoiceLists.Trim(candidateTrace.Choices);
        }

        // Delta debugging first (many departures at once), then local steps until none of them fails: a local minimum.
        var best = ScheduleShrinker.DeltaDebug(first, Fails);
        // After a success the next pass starts at the same kind of step (the candidates of similar lists line up), and
        // wraps around: a local minimum is declared only once every candidate of the final list passed.
        bool improved = !exhausted;
        int resume = 0;
        while (improved)
        {
            improved = false;
            var candidates = ScheduleShrinker.Candidates(best).ToList();
            for (int k = 0; k < candidates.Count; k++)
            {
                int index = (resume + k) % candidates.Count;
                var candidate = candidates[index];
                var taken = Fails(candidate);
                if (exhausted)
                    break;
                if (taken is null)
                    continue;
                best = ChoiceLists.IsSmaller(taken, candidate) ? taken : candidate;
                resume = index;
                improved = true;
                break;
            }
        }

        // Replay the reported line once, so the report shows exactly what the line does.
        var (replayTrace, replayError) = TestLoop.RunCore(body, options.RunOptions(Schedule.FromChoices(best)));
        bool reproduced = replayError is not null;
        var bestTrace = reproduced ? replayTrace : trace;
        var bestError = reproduced ? replayError! : error;
        var failure = ConcurrencyProperty.Unwrap(bestError);
        var last = bestTrace.LastSteps(12);
        var names = last.Select(s => s.TaskName).Reverse().Distinct(StringComparer.Ordinal).ToList();
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"ConcurrencyProperty.ForAll: the body failed under schedule {failingRun} of at most {options.MaxSchedules} ({strategy}: {schedule}; exploration seed {summary.Seed}); ")
            .Append(CultureInfo.InvariantCulture, $"shrinking spent {spent} {(spent == 1 ? "run" : "runs")} ({shrinks} {(shrinks == 1 ? "shrink" : "shrinks")}) and ")
            .Append(best.Length == 0
                ? "it fails under FIFO itself (no departure from the order of a plain TestLoop.Run is needed):"
                : exhausted
                ? string.Create(CultureInfo.InvariantCulture, $"stopped at its budget ({options.MaxShrinkRuns} runs{(options.ShrinkTimeBudget is { } b ? string.Create(CultureInfo.InvariantCulture, $" or {b.TotalSeconds:0.###} s") : "")}): a smaller failing schedule may exist; the smallest found is:")
                : "reached a locally minimal failing schedule (no chunk removed, no choice made FIFO or smaller still fails; a smaller, unrelated one may exist):")
            .AppendLine()
            .Append("Replay: TestLoop.Run(body, ").Append(ChoiceLists.ReplayLine(best, options.YieldAtSpawn, options.YieldAtEveryOperation)).Append(");")
            .AppendLine()
            .Append("Error: ").Append(failure.GetType().FullName).Append(": ").Append(failure.Message);
        if (!ReferenceEquals(failure, bestError.SourceException))
            text.Append(" (raised by its nursery as ").Append(bestError.SourceException.GetType().Name).Append(" of that one error)");
        else if (failure is AggregateException many)
        {
            foreach (var inner in many.InnerExceptions)
                text.AppendLine().Append("  ").Append(inner.GetType().FullName).Append(": ").Append(inner.Message);
        }
        text.AppendLine()
            .Append(CultureInfo.InvariantCulture, $"First failing schedule, as found ({first.Length} choices, {first.Count(c => c != 0)} departures from FIFO): ")
            .Append(ChoiceLists.ReplayLine(first))
            .AppendLine()
            .Append("Tasks in the last steps: ").Append(string.Join(", ", names))
            .AppendLine()
            .Append(CultureInfo.InvariantCulture, $"Last {last.Count} of {bestTrace.Count} steps:");
        foreach (var step in last)
            text.AppendLine().Append("  ").Append(step);
        if (!reproduced)
        {
            text.AppendLine().Append("Warning: replaying this schedule passed. The body depends on something the loop does not control ")
                .Append("(another thread, real time, state shared between runs); make it self-contained to replay it.");
        }
        text.AppendLine().Append("Exploration so far: ").Append(summary)
            .AppendLine().Append(CultureInfo.InvariantCulture, $"Explore the same schedules again with seed: {summary.Seed}.");
        return new ConcurrencyPropertyException(text.ToString(), failure, best, bestTrace, failingRun, shrinks, first, strategy, summary, !exhausted, spent);
    }
}
