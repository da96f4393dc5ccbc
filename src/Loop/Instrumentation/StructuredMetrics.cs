using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Structured;

/// <summary>
/// Structured's meter ("Structured", one per process) and every instrument on it, named in the OpenTelemetry
/// semantic-convention style of the .NET runtime's own meters (<c>System.Runtime</c>, <c>System.Net.Http</c>): dotted
/// lowercase names, UCUM units ("s", "{task}"), tags only where their values are bounded (no loop or task ids).
/// docs/observability.md lists them with their meaning.
/// </summary>
/// <remarks>
/// <para><b>Cost.</b> Zero while nobody listens: the hot paths call the one-line helpers here, each of which checks
/// <see cref="Instrument.Enabled"/> first and reads no clock, allocates nothing and records nothing when it is off.
/// Counts the loop keeps anyway (steps, timers, ready queue) are observable instruments, read only when a listener
/// collects.</para>
/// <para><b>Clocks.</b> Durations are on the loop's clock (<see cref="Loop.Clock"/>): real time in production, virtual
/// time under a <see cref="VirtualClock"/> (so tests assert exact values). Off the loop, <see cref="TimeProvider.System"/>.</para>
/// <para>Structured.Nursery and Structured.Channels record on these instruments too (InternalsVisibleTo), so one
/// meter holds them all.</para>
/// </remarks>
internal static class StructuredMetrics
{
    /// <summary>The version of the meter and the activity source: the assembly's.</summary>
    internal static readonly string? Version = typeof(StructuredMetrics).Assembly.GetName().Version?.ToString();

    internal static readonly Meter Meter = new(new MeterOptions(StructuredTelemetry.MeterName) { Version = Version });

    /// <summary>A timestamp that was not taken (nobody listened).</summary>
    internal const long NoTimestamp = long.MinValue;

    // Tag names (OpenTelemetry style: namespaced, snake_case; error.type is the semantic conventions' own).
    internal const string OutcomeTag = "structured.task.outcome";
    internal const string CauseTag = "structured.cancel.cause";
    internal const string ChannelNameTag = "structured.channel.name";
    internal const string ErrorTypeTag = "error.type";

    static readonly double[] s_taskBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];
    static readonly double[] s_stepBuckets = [0.000_001, 0.000_005, 0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1];

    // ---------------------------------------------------------------- tasks (recorded by Structured.Nursery)

    internal static readonly Counter<long> TasksStarted = Meter.CreateCounter<long>(
        "structured.task.started", "{task}", "Tasks started into a nursery (StartSoon, StartAsync), on a loop or on the thread pool.");

    internal static readonly Counter<long> TasksFinished = Meter.CreateCounter<long>(
        "structured.task.finished", "{task}", "Tasks of a nursery that have finished, whatever the outcome.");

    internal static readonly Counter<long> TasksFailed = Meter.CreateCounter<long>(
        "structured.task.failed", "{task}", "Tasks of a nursery that finished with an error (not a cancellation of their own scopes, their nursery or a scope around it), by error.type.");

    internal static readonly UpDownCounter<long> TasksActive = Meter.CreateUpDownCounter<long>(
        "structured.task.active", "{task}", "Tasks of a nursery that have started and not finished.");

    internal static readonly Histogram<double> TaskDuration = Meter.CreateHistogram(
        "structured.task.duration", "s", "How long tasks of a nursery ran, from StartSoon to their end, on the loop's clock; by structured.task.outcome (completed, failed, cancelled).",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_taskBuckets });

    internal static readonly Counter<long> NurseryErrors = Meter.CreateCounter<long>(
        "structured.nursery.errors", "{error}", "Errors a nursery collected from its body and its children (each cancels the nursery), by error.type.");

    // ---------------------------------------------------------------- cancellation (recorded by Structured.Nursery)

    internal static readonly Counter<long> Cancellations = Meter.CreateCounter<long>(
        "structured.cancellations", "{cancellation}", "Cancel scopes cancelled, by structured.cancel.cause: explicit (Cancel()), deadline, sibling_error (a nursery's child or body failed), token (a linked CancellationToken), outer (an enclosing scope's cancellation reached an active scope).");

    internal static readonly Counter<long> DeadlinesFired = Meter.CreateCounter<long>(
        "structured.deadline.fired", "{deadline}", "Deadline timers of cancel scopes that fired (a deadline found passed on entry or when set is counted by structured.cancellations only).");

    // ---------------------------------------------------------------- loops

    internal static readonly ObservableUpDownCounter<int> LoopsActive = Meter.CreateObservableUpDownCounter(
        "structured.loop.active", static () => LoopRegistry.Count, "{loop}", "Loops running in the process (Loop.Run calls that have not returned).");

    internal static readonly ObservableCounter<long> LoopSteps = Meter.CreateObservableCounter(
        "structured.loop.steps", static () => LoopRegistry.TotalSteps(), "{step}", "Callbacks the loops have run: task steps, posted callbacks, timer callbacks.");

    internal static readonly ObservableUpDownCounter<long> LoopQueueLength = Meter.CreateObservableUpDownCounter(
        "structured.loop.queue.length", static () => LoopRegistry.Sum(static loop => loop.ReadyCount), "{callback}", "Callbacks waiting in the loops' ready queues.");

    internal static readonly ObservableUpDownCounter<long> LoopTimers = Meter.CreateObservableUpDownCounter(
        "structured.loop.timers", static () => LoopRegistry.Sum(static loop => loop.Statistics.TimersPending), "{timer}", "Timers armed on the loops: sleeps, deadlines, timers made through a virtual clock.");

    internal static readonly Histogram<double> LoopLag = Meter.CreateHistogram(
        "structured.loop.lag", "s", "How long a callback waited in the ready queue (a woken task, a post) before the loop ran it, on the loop's clock.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_stepBuckets });

    internal static readonly Histogram<double> LoopStepDuration = Meter.CreateHistogram(
        "structured.loop.step.duration", "s", "How long one step (one callback of the ready queue) ran, on the loop's clock.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_stepBuckets });

    // ---------------------------------------------------------------- named channels (Structured.Channels registers them)

    internal static readonly ObservableCounter<long> ChannelItemsSent = Meter.CreateObservableCounter(
        "structured.channel.items.sent", static () => ReadChannels(0), "{item}", "Items named memory channels accepted from senders, by structured.channel.name.");

    internal static readonly ObservableCounter<long> ChannelItemsReceived = Meter.CreateObservableCounter(
        "structured.channel.items.received", static () => ReadChannels(1), "{item}", "Items receivers took from named memory channels, by structured.channel.name.");

    internal static readonly ObservableUpDownCounter<long> ChannelQueueLength = Meter.CreateObservableUpDownCounter(
        "structured.channel.queue.length", static () => ReadChannels(2), "{item}", "Items in the buffers of named memory channels, by structured.channel.name.");

    // ---------------------------------------------------------------- hooks of the loop (one line each at the call site)

    /// <summary>Makes sure the meter and all its instruments exist (reading a field runs the type's initializer).</summary>
    internal static void EnsureCreated() => GC.KeepAlive(Meter);

    /// <summary>The enqueue time of a ready-queue item, when the lag is measured; else <see cref="NoTimestamp"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long EnqueueTimestamp(TimeProvider clock) => LoopLag.Enabled ? clock.GetTimestamp() : NoTimestamp;

    /// <summary>Whether a listener measures the loop's steps (their lag or duration): the loop reads it once per batch of steps.</summary>
    internal static bool StepsMeasured => LoopLag.Enabled || LoopStepDuration.Enabled;

    /// <summary>Before a step: records the item's lag; returns the step's start when its duration is measured.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long BeforeStep(TimeProvider clock, long enqueuedAt)
        => LoopLag.Enabled || LoopStepDuration.Enabled ? BeforeStepSlow(clock, enqueuedAt) : NoTimestamp;

    static long BeforeStepSlow(TimeProvider clock, long enqueuedAt)
    {
        long now = clock.GetTimestamp();
        if (enqueuedAt != NoTimestamp && LoopLag.Enabled)
            LoopLag.Record(Seconds(clock, enqueuedAt, now));
        return LoopStepDuration.Enabled ? now : NoTimestamp;
    }

    /// <summary>After a step: records its duration if <see cref="BeforeStep"/> took its start.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AfterStep(TimeProvider clock, long startedAt)
    {
        if (startedAt != NoTimestamp)
            LoopStepDuration.Record(Seconds(clock, startedAt, clock.GetTimestamp()));
    }

    internal static double Seconds(TimeProvider clock, long from, long to)
        => (double)Math.Max(0, to - from) / clock.TimestampFrequency;

    static List<Measurement<long>> ReadChannels(int what)
    {
        // Summed per name: two channels of one name are one series (an exporter would keep only one of two).
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var channel in NamedChannelRegistry.Snapshot())
        {
            channel.Read(out long sent, out long received, out long buffered);
            long value = what switch { 0 => sent, 1 => received, _ => buffered };
            totals[channel.Name] = totals.GetValueOrDefault(channel.Name) + value;
        }
        var measurements = new List<Measurement<long>>(totals.Count);
        foreach (var (name, value) in totals)
            measurements.Add(new Measurement<long>(value, new KeyValuePair<string, object?>(ChannelNameTag, name)));
        return measurements;
    }
}
