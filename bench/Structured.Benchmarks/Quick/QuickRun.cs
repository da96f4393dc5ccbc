using System.Diagnostics;

namespace Benchmarks;

/// <summary>
/// The quick mode: every workload a few times outside BenchmarkDotNet (Stopwatch and
/// <c>GC.GetTotalAllocatedBytes</c>, median of the repetitions), then one report: the measurements, the
/// targets of issue 7 with the measured ratios, and (when given) the Python peers measured on this machine.
/// </summary>
public sealed class QuickRun(QuickOptions options)
{
    static readonly string[] s_allHosts = [Hosts.Loop, Hosts.OffLoop, Hosts.Pool, Hosts.AsyncContext];

    readonly List<Measurement> _results = [];

    /// <summary>Marks the W3 variants whose Structured consumers loop over TryReceive (compared with the same raw rows).</summary>
    public const string TryReceiveSuffix = " TryReceive";

    /// <summary>Marks the W2/W3 variants whose Structured receives are two-branch selects (compared with the plain rows).</summary>
    public const string SelectSuffix = " select";

    /// <summary>Marks the rows measured with a listener on every instrument of the meter (issue 15).</summary>
    public const string MetricsSuffix = " +metrics";

    /// <summary>Marks the rows measured with the meter's listener and one sampling every activity.</summary>
    public const string TracesSuffix = " +metrics+traces";

    /// <summary>Runs the selected workloads and prints the report; returns the process exit code.</summary>
    public int Run()
    {
        ExceptionCounter.Install();
        var clock = Stopwatch.StartNew();
        if (options.Runs("W5") || options.Runs("W6") || options.Runs("floor"))
            RunFloor();
        if (options.Runs("W1"))
            RunW1();
        if (options.Runs("W2"))
            RunW2();
        if (options.Runs("W3"))
            RunW3();
        if (options.Runs("W4"))
            RunW4();
        if (options.Runs("W5"))
            RunW5();
        if (options.Runs("W6"))
            RunW6();
        if (options.Runs("post"))
            RunPosting();
        if (options.Runs("listen"))
            RunListened();
        // Issue 24: the exact bytes of the hot paths against their budgets; over budget, the quick mode fails (exit 1).
        int overBudget = options.Runs("bytes") ? HotPathBytes.Run(null) : 0;
        List<string>? scale = options.Scale ? ScaleRun.Run(Progress, _results) : null;
        var python = options.PythonResults is { } folder ? PythonReferences.Load(folder) : null;
        var report = Report.Build(_results, Targets.Check(_results, python), CancellationTargets.Check(_results), python, scale, clock.Elapsed);
        Console.WriteLine(report);
        if (options.OutputFile is { } file)
            File.WriteAllText(file, report);
        return overBudget;
    }

    static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

    void Measure(string workload, string variant, string host, int n, int reps, Func<Task<double>> body)
        => Record(workload, variant, host, n, Hosts.Run(host, () => Repeat.RunAsync(body, reps)));

    void Measure(string workload, string variant, string host, int n, int reps, Func<Task<(double, double)>> body)
        => Record(workload, variant, host, n, Hosts.Run(host, () => Repeat.RunAsync(body, reps)));

    void Record(string workload, string variant, string host, int n, Sample[] samples)
    {
        var m = new Measurement(workload, variant, host, n,
            Repeat.Median(samples.Select(s => s.Seconds)), Repeat.Median(samples.Select(s => s.Bytes)),
            Repeat.Median(samples.Select(s => s.Extra)), samples.Length,
            Repeat.Median(samples.Select(s => (double)s.Exceptions)), Repeat.Median(samples.Select(s => s.GcPauseSeconds)));
        _results.Add(m);
        Progress($"{workload} {variant} {host}: {m.NsPerOp:N0} ns/op, {m.BytesPerOp:N1} B/op (samples {string.Join(", ", samples.Select(s => s.Seconds.ToString("F4")))} s; GC pause median {Repeat.Median(samples.Select(s => s.GcPauseSeconds)) * 1e3:0.0} ms, {Repeat.Median(samples.Select(s => (double)s.Collections)):0} collections, {m.ExceptionsPerOp:0.00} exceptions/op)");
    }

    static bool IsStructured(string host) => host is Hosts.Loop or Hosts.OffLoop;

    void RunFloor()
    {
        const int n = 100_000, rounds = 5;
        var (perTask, throws) = OneThrowFloor.Measure(n, rounds);
        _results.Add(new Measurement(CancellationTargets.FloorWorkload, "one-throw", Hosts.Loop, n, perTask * n, 0, 0, rounds, throws * n));
        Progress($"floor: one throw per parked task {perTask * 1e9:N0} ns/task (best of {rounds} rounds of {n:N0}), {throws:0.00} exceptions/task");
    }

    void RunW1()
    {
        const int n = 100_000;
        WarmUpW1(n);
        foreach (bool yield in new[] { false, true })
        {
            foreach (var host in s_allHosts)
            {
                Measure("W1", yield ? "yield" : "noop", host, n, options.Reps,
                    () => IsStructured(host) ? SpawnJoin.StructuredAsync(n, yield) : SpawnJoin.RawAsync(n, yield));
            }
        }
        // The bodies users write (issue 24): an async lambda and a method group, beside the noop rows' () => Task.CompletedTask.
        foreach (var (variant, body) in new[] { ("async-lambda", SpawnJoin.Body.AsyncLambda), ("method-group", SpawnJoin.Body.MethodGroup) })
        {
            foreach (var host in new[] { Hosts.Loop, Hosts.OffLoop, Hosts.Pool })
            {
                Measure("W1", variant, host, n, options.Reps,
                    () => IsStructured(host) ? SpawnJoin.StructuredAsync(n, body) : SpawnJoin.RawAsync(n, body));
            }
        }
    }

    /// <summary>
    /// Runs every W1 variant untimed, twice with a pause between, before the first is measured. The first workload of
    /// a process otherwise runs on tier-0 code: the JIT's tiering waits for 100 ms without new tier-0 methods before it
    /// promotes hot ones, and each new variant compiles new ones, so the noop row on the Loop, measured first, came out
    /// at about twice the time of the same code measured later in the run (a service runs warm code).
    /// </summary>
    static void WarmUpW1(int n)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            foreach (var host in new[] { Hosts.Loop, Hosts.OffLoop, Hosts.Pool })
            {
                foreach (bool yield in new[] { false, true })
                    Hosts.Run(host, () => IsStructured(host) ? SpawnJoin.StructuredAsync(n, yield) : SpawnJoin.RawAsync(n, yield));
                foreach (var body in new[] { SpawnJoin.Body.AsyncLambda, SpawnJoin.Body.MethodGroup })
                    Hosts.Run(host, () => IsStructured(host) ? SpawnJoin.StructuredAsync(n, body) : SpawnJoin.RawAsync(n, body));
            }
            // The tiering delay, then time for the background compiler to install the promoted code.
            Thread.Sleep(TimeSpan.FromMilliseconds(500));
        }
    }

    void RunW2()
    {
        const int n = 200_000;
        foreach (int capacity in new[] { 0, 1 })
        {
            foreach (var host in s_allHosts)
            {
#if WITH_CHANNELS
                Measure("W2", $"cap{capacity}", host, n, options.Reps,
                    () => IsStructured(host) ? PingPong.StructuredAsync(n, capacity) : PingPong.RawAsync(n, capacity));
#else
                if (!IsStructured(host))
                    Measure("W2", $"cap{capacity}", host, n, options.Reps, () => PingPong.RawAsync(n, capacity));
#endif
            }
#if WITH_CHANNELS
            // Every receive a two-branch select (issue 16): the cost of select over a plain receive.
            foreach (var host in new[] { Hosts.Loop, Hosts.OffLoop })
                Measure("W2", $"cap{capacity}{SelectSuffix}", host, n, options.Reps, () => PingPong.StructuredSelectAsync(n, capacity));
#endif
        }
    }

    void RunW3()
    {
        const int m = 1_000_000;
        foreach (var (name, capacity, tasks) in new[] { ("b1024-1p1c", 1024, 1), ("unb-1p1c", Throughput.Unbounded, 1), ("b1024-4p4c", 1024, 4), ("unb-4p4c", Throughput.Unbounded, 4) })
        {
            foreach (var host in s_allHosts)
            {
#if WITH_CHANNELS
                Measure("W3", name, host, m, options.Reps,
                    () => IsStructured(host) ? Throughput.StructuredAsync(m, capacity, tasks, tasks) : Throughput.RawAsync(m, capacity, tasks, tasks));
#else
                if (!IsStructured(host))
                    Measure("W3", name, host, m, options.Reps, () => Throughput.RawAsync(m, capacity, tasks, tasks));
#endif
            }
#if WITH_CHANNELS
            // The consumer loop in the shape of the BCL baseline's (TryReceive, then ReceiveAsync to wait).
            foreach (var host in new[] { Hosts.Loop, Hosts.OffLoop })
            {
                Measure("W3", name + TryReceiveSuffix, host, m, options.Reps,
                    () => Throughput.StructuredAsync(m, capacity, tasks, tasks, tryReceiveLoop: true));
            }
            // Consumers receive with a two-branch select (issue 16).
            foreach (var host in new[] { Hosts.Loop, Hosts.OffLoop })
                Measure("W3", name + SelectSuffix, host, m, options.Reps, () => Throughput.StructuredSelectAsync(m, capacity, tasks, tasks));
#endif
        }
    }

    void RunW4()
    {
        const int k = 1_000_000;
        foreach (bool deadline in new[] { true, false })
        {
            string variant = deadline ? "deadline" : "nodeadline";
            foreach (var host in new[] { Hosts.Loop, Hosts.OffLoop, Hosts.Pool })
            {
                // Off the loop inside a nursery's child task, where user code runs (outside any task every RunAsync takes the slow path).
                Measure("W4", variant, host, k, options.Reps,
                    () => host == Hosts.OffLoop ? ScopeCost.StructuredInTaskAsync(k, deadline)
                        : IsStructured(host) ? ScopeCost.StructuredAsync(k, deadline) : ScopeCost.RawAsync(k, deadline));
            }
        }
        foreach (var host in new[] { Hosts.Pool, Hosts.AsyncContext })
            Measure("W4", "linked-deadline", host, k, options.Reps, () => ScopeCost.RawLinkedAsync(k));
        // One phase alone: the ExecutionContext copy that entering a scope makes (an AsyncLocal write, then restore).
        Measure("W4", "ec-copy", Hosts.Loop, k, options.Reps, () => ScopeCost.FlowCopyAsync(k));
        var scope = ScopeCost.ScopeObjectBytes();
        _results.Add(new Measurement("W4", "scope-object", Hosts.Loop, 1, 0, scope, 0, 1));
    }

    void RunW5()
    {
        const int n = 100_000;
        foreach (var host in s_allHosts)
        {
            var samples = new List<Sample>();
            for (int i = 0; i < options.W5Reps; i++)
                samples.Add(W5Child.RunInFreshProcess(host));
            Record("W5", "distinct-deadlines", host, n, [.. samples]);
        }
    }

    void RunW6()
    {
        foreach (var (variant, n, hosts) in new[]
        {
            ("park", 100_000, s_allHosts),
            ("park", 200_000, new[] { Hosts.Loop, Hosts.Pool }),
            ("event-wait", 25_000, s_allHosts),
        })
        {
            bool park = variant == "park";
            foreach (var host in hosts)
            {
                // The warm-up also lets the GC heap grow to the size of the run, so 200,000 is not charged for it.
                Measure("W6", $"{variant}-{n / 1000}k", host, n, options.SlowReps,
                    async () => IsStructured(host) ? await MassCancel.StructuredAsync(n, park) : await MassCancel.RawAsync(n, park));
            }
        }
    }

    void RunPosting()
    {
        const int n = 1_000_000;
        Measure("post", "same-thread", Hosts.Loop, n, options.Reps, () => Posting.LoopSameThreadAsync(n));
        Measure("post", "same-thread", Hosts.AsyncContext, n, options.Reps, () => Posting.ContextSameThreadAsync(n));
        Measure("post", "same-thread", Hosts.Pool, n, options.Reps, () => Posting.PoolSameThreadAsync(n));
        Measure("post", "cross-thread", Hosts.Loop, n, options.Reps, () => Posting.LoopCrossThreadAsync(n));
        Measure("post", "cross-thread", Hosts.AsyncContext, n, options.Reps, () => Posting.ContextCrossThreadAsync(n));
        Measure("post", "cross-thread", Hosts.Pool, n, options.Reps, () => Posting.PoolCrossThreadAsync(n));
    }

    // W1, W2 and posting again, first without a listener (the baseline of the same moment), then with a listener on
    // every instrument of the meter, then with one sampling every activity as well.
    void RunListened()
    {
        const int spawns = 100_000, posts = 1_000_000;
        foreach (var (suffix, listen, traces) in new[] { ("", false, false), (MetricsSuffix, true, false), (TracesSuffix, true, true) })
        {
            using var listeners = listen ? TelemetryListeners.Attach(traces) : null;
            long measurements = TelemetryListeners.Measurements, activities = TelemetryListeners.Activities;
            foreach (var host in new[] { Hosts.Loop, Hosts.OffLoop })
                Measure(ListenedWorkload, "W1 noop" + suffix, host, spawns, options.Reps, () => SpawnJoin.StructuredAsync(spawns, yield: false));
#if WITH_CHANNELS
            const int roundTrips = 200_000;
            Measure(ListenedWorkload, "W2 cap0" + suffix, Hosts.Loop, roundTrips, options.Reps, () => PingPong.StructuredAsync(roundTrips, 0));
#endif
            Measure(ListenedWorkload, "post same-thread" + suffix, Hosts.Loop, posts, options.Reps, () => Posting.LoopSameThreadAsync(posts));
            Measure(ListenedWorkload, "post cross-thread" + suffix, Hosts.Loop, posts, options.Reps, () => Posting.LoopCrossThreadAsync(posts));
            if (listen)
                Progress($"listened{suffix}: {TelemetryListeners.Measurements - measurements:N0} measurements, {TelemetryListeners.Activities - activities:N0} activities recorded");
        }
    }

    /// <summary>The workload name of the rows with and without a listener.</summary>
    public const string ListenedWorkload = "listen";
}
