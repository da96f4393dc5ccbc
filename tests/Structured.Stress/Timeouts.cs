namespace Stress;

/// <summary>
/// Sleeps and scope deadlines from zero to <see cref="TimeSpan.MaxValue"/> (issue 12, item 14), across the limits of the
/// platform's waits (int.MaxValue ms, about 24.8 days; uint.MaxValue - 1 ms, about 49.7 days): on the loop with a
/// virtual clock (ends exactly when due), on the loop with the real clock (an idle loop with a far timer keeps running
/// and is cancelled normally), and off the loop (no range error; a far deadline simply has not come yet).
/// </summary>
internal static class Timeouts
{
    static readonly TimeSpan s_cap = TimeSpan.FromDays(20_000);

    static readonly TimeSpan[] s_durations =
    [
        TimeSpan.Zero,
        TimeSpan.FromTicks(1),
        TimeSpan.FromMilliseconds(1),
        TimeSpan.FromSeconds(1),
        TimeSpan.FromDays(1),
        TimeSpan.FromMilliseconds(int.MaxValue - 1.0),
        TimeSpan.FromMilliseconds(int.MaxValue),
        TimeSpan.FromMilliseconds(int.MaxValue + 1.0),
        TimeSpan.FromDays(30),
        TimeSpan.FromMilliseconds(uint.MaxValue - 1.0),
        TimeSpan.FromMilliseconds(uint.MaxValue),
        TimeSpan.FromMilliseconds(uint.MaxValue + 1.0),
        TimeSpan.FromDays(365),
        TimeSpan.FromDays(10_000),
        TimeSpan.FromDays(30_000),
        TimeSpan.FromTicks(TimeSpan.MaxValue.Ticks / 2),
        TimeSpan.MaxValue - TimeSpan.FromTicks(1),
        TimeSpan.MaxValue,
    ];

    internal static void OnLoop(StressContext context)
    {
        foreach (var d in s_durations)
        {
            context.Enter($"virtual clock, {Describe(d)}");
            Case(context, $"on the loop (virtual clock), sleep of {Describe(d)}", () =>
                Harness.OnLoop(context, context.Seed, () => VirtualSleepAsync(context, d, scope: false)));
            Case(context, $"on the loop (virtual clock), scope deadline of {Describe(d)}", () =>
                Harness.OnLoop(context, context.Seed, () => VirtualSleepAsync(context, d, scope: true)));
            if (d >= TimeSpan.FromSeconds(1))
            {
                context.Enter($"real clock, {Describe(d)}");
                Case(context, $"on the loop (real clock), sleep of {Describe(d)} cancelled after 20 ms", () =>
                    Loop.Run(() => RealClockCancelledAsync(d, scope: false)));
                Case(context, $"on the loop (real clock), scope deadline of {Describe(d)} cancelled after 20 ms", () =>
                    Loop.Run(() => RealClockCancelledAsync(d, scope: true)));
            }
        }
    }

    internal static void OffLoop(StressContext context)
    {
        foreach (var d in s_durations)
        {
            context.Enter($"off the loop, {Describe(d)}");
            Case(context, $"off the loop, sleep of {Describe(d)}", () => Harness.OffLoop(() => OffLoopAsync(context, d, scope: false)));
            Case(context, $"off the loop, scope deadline of {Describe(d)}", () => Harness.OffLoop(() => OffLoopAsync(context, d, scope: true)));
        }
    }

    static void Case(StressContext context, string what, Action body)
    {
        try
        {
            body();
            context.Figures.AddItems(1);
        }
        catch (Exception e)
        {
            context.Figures.Fail($"{what}: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Under a cap of 20,000 virtual days: a sleep (or a scope's deadline) within the cap ends exactly when due; a later one never does.</summary>
    static async Task VirtualSleepAsync(StressContext context, TimeSpan d, bool scope)
    {
        var start = Time.Now;
        var cap = CancelScope.MoveOnAfter(s_cap);
        CancelScope? inner = null;
        TimeSpan end = TimeSpan.Zero;
        await cap.RunAsync(async () =>
        {
            if (scope)
            {
                inner = CancelScope.MoveOnAfter(d);
                await inner.RunAsync(() => Time.SleepForeverAsync().AsTask());
            }
            else
            {
                await Time.SleepAsync(d);
            }
            end = Time.Now - start;
        });
        var elapsed = Time.Now - start;
        string what = scope ? "a scope's deadline" : "a sleep";
        if (d <= s_cap)
        {
            if (cap.CancelledCaught || end != d || (scope && !inner!.CancelledCaught))
                context.Figures.Fail($"on the loop (virtual clock): {what} of {Describe(d)} ended after {Describe(elapsed)} (cap reached: {cap.CancelledCaught})");
        }
        else if (!cap.CancelledCaught || elapsed != s_cap)
        {
            context.Figures.Fail($"on the loop (virtual clock): {what} of {Describe(d)} ended after {Describe(elapsed)}, before the cap of {Describe(s_cap)}");
        }
    }

    /// <summary>An idle loop on the real clock whose only timer is <paramref name="d"/> away; another thread cancels after 20 ms.</summary>
    static async Task RealClockCancelledAsync(TimeSpan d, bool scope)
    {
        var loop = Loop.Current!;
        await Nursery.RunAsync(async n =>
        {
            var canceller = new Thread(() =>
            {
                Thread.Sleep(20);
                try
                {
                    loop.Post(() => n.CancelScope.Cancel("the stress run is done waiting"));
                }
                catch (InvalidOperationException)
                {
                    // The loop ended by itself before (a crash, reported by the case): nothing to cancel.
                }
            }) { IsBackground = true, Name = "stress canceller" };
            n.StartSoon(async () =>
            {
                if (scope)
                    await CancelScope.MoveOnAfter(d).RunAsync(() => Time.SleepForeverAsync().AsTask());
                else
                    await Time.SleepAsync(d);
            });
            canceller.Start();
            await Task.CompletedTask;
        });
    }

    /// <summary>Off the loop, under a 50 ms cap: a short sleep or deadline ends by itself, a long one is cut by the cap, nothing throws.</summary>
    static async Task OffLoopAsync(StressContext context, TimeSpan d, bool scope)
    {
        var cap = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(50));
        CancelScope? inner = null;
        await cap.RunAsync(async () =>
        {
            if (scope)
            {
                inner = CancelScope.MoveOnAfter(d);
                await inner.RunAsync(() => Time.SleepForeverAsync().AsTask());
            }
            else
            {
                await Time.SleepAsync(d);
            }
        });
        bool shortOne = d <= TimeSpan.FromMilliseconds(1);
        string what = scope ? "a scope's deadline" : "a sleep";
        if (shortOne && cap.CancelledCaught)
            context.Figures.Fail($"off the loop: {what} of {Describe(d)} did not end within 50 ms");
        if (!shortOne && !cap.CancelledCaught)
            context.Figures.Fail($"off the loop: {what} of {Describe(d)} ended within 50 ms");
        if (scope && shortOne && !inner!.CancelledCaught)
            context.Figures.Fail($"off the loop: the scope's deadline of {Describe(d)} did not cancel it");
    }

    static string Describe(TimeSpan d) => d == TimeSpan.MaxValue ? "TimeSpan.MaxValue" : $"{d} ({d.Ticks} ticks)";
}
