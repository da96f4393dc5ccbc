using System.Globalization;
using System.Text.RegularExpressions;

namespace NurseryTests;

// Issue 25, item 4: the reason of a deadline reads right for every legal deadline, TimeSpan.MinValue and MaxValue
// included: "deadline MinValue" printed "10675199 d 1 h after entry passed" (deadline minus entry overflowed). The
// property reads the reason back and compares it, in the unit it was written in, with the exact distance between
// the deadline and the time of entry. On a VirtualClock advanced to the time of entry: exact, no real time.
public partial class ExtremeDeadlineReasonTests
{
    [Fact]
    public void TimeSpan_MinValue_as_a_deadline_passed_long_before_entry()
    {
        var (reason, text) = ReasonOf(entryTicks: S(5).Ticks, deadline: TimeSpan.MinValue);
        // MinValue is 10675199 d 2 h 48 min 5.4775808 s before zero, the entry 5 s after it.
        Assert.Equal("deadline 10675199 d 2 h before entry passed", reason);
        Assert.Contains("deadline 10675199 d 2 h before entry (passed 10675199 d 2 h ago)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_latest_deadline_before_MaxValue_reads_as_days_after_entry_and_MaxValue_is_none()
    {
        var (reason, _) = ReasonOf(entryTicks: 0, deadline: TimeSpan.MaxValue - TimeSpan.FromTicks(1));
        Assert.Equal("deadline 10675199 d 2 h after entry passed", reason);
        string? none = "unset";
        string? text = null;
        Run(async () =>
        {
            var scope = CancelScope.MoveOnAt(TimeSpan.MaxValue);
            await scope.RunAsync(async () =>
            {
                text = scope.ToString();
                await Time.SleepAsync(TimeSpan.FromDays(1000));
            });
            none = scope.CancelReason;
        });
        Assert.Null(none);
        Assert.DoesNotContain("deadline", text!, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unentered_scope_with_deadline_MinValue_says_how_long_ago_it_passed()
    {
        string? reason = null;
        Run(async () =>
        {
            await Time.SleepAsync(S(5));
            var scope = new CancelScope(TimeSpan.MinValue);
            Assert.True(scope.CancelCalled);
            reason = scope.CancelReason;
        });
        Assert.Equal("deadline passed 10675199 d 2 h ago, before the scope was entered", reason);
    }

    // Clock times at entry and deadlines, from the extremes of both ranges and between them.
    static readonly long[] ExtremeEntries = [0, 1, S(5).Ticks, long.MaxValue / 4, long.MaxValue / 2, long.MaxValue - 10, long.MaxValue - TimeSpan.TicksPerDay];

    static readonly long[] ExtremeDeadlines = [long.MinValue, long.MinValue + 1, -1, 0, 1, long.MaxValue - 1];

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public void Every_legal_deadline_s_reason_says_how_far_from_entry_it_was(int entryPick, long entryRandom, int deadlinePick, long deadlineRandom, int offsetPick)
    {
        long entry = Pick(ExtremeEntries, entryPick, Math.Abs(entryRandom % (long.MaxValue - 1)));
        long deadline;
        int which = Math.Abs(deadlinePick % 4);
        if (which == 0)
            deadline = Pick(ExtremeDeadlines, deadlinePick / 4, deadlineRandom);
        else if (which == 1)
            deadline = deadlineRandom; // anywhere, past or future
        else
        {
            // Near the entry, on either side, by one of a few scales (µs to years).
            long scale = new[] { 1L, TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerSecond, TimeSpan.TicksPerHour, TimeSpan.TicksPerDay * 400 }[Math.Abs(offsetPick % 5)];
            long offset = deadlineRandom % 1000 * scale;
            deadline = (long)Int128.Clamp((Int128)entry + offset, long.MinValue, long.MaxValue - 1);
        }
        if (deadline == long.MaxValue)
            deadline--; // MaxValue is "no deadline": its scope never has a reason (tested above)
        if (deadline == Timeout.InfiniteTimeSpan.Ticks)
            deadline--; // so is -1 ms, Timeout.InfiniteTimeSpan (InfiniteTimeoutTests)
        // A positive deadline below half the clock's time at the loop's start is refused (decision 0009): legal ones only.
        if (deadline > 0 && deadline < entry / 2)
            deadline = -deadline;

        var (reason, text) = ReasonOf(entry, new TimeSpan(deadline));
        Int128 distance = (Int128)deadline - entry;
        var m = ReasonShape().Match(reason);
        Assert.True(m.Success, $"entry {entry}, deadline {deadline}: unexpected reason '{reason}'");
        Assert.Equal(distance >= 0 ? "after" : "before", m.Groups["side"].Value);
        AssertReads(m.Groups["span"].Value, Int128.Abs(distance), reason);
        var t = TextShape().Match(text);
        Assert.True(t.Success, $"entry {entry}, deadline {deadline}: unexpected scope text '{text}'");
        Assert.Equal(m.Groups["span"].Value + " " + m.Groups["side"].Value, t.Groups["rel"].Value);
    }

    static long Pick(long[] extremes, int pick, long random)
    {
        int i = Math.Abs(pick % (extremes.Length + 1));
        return i < extremes.Length ? extremes[i] : random;
    }

    /// <summary>Asserts that <paramref name="span"/> (as CancelReasons writes a distance) is <paramref name="ticks"/> to the precision of its unit.</summary>
    static void AssertReads(string span, Int128 ticks, string reason)
    {
        var inv = CultureInfo.InvariantCulture;
        Int128 read, precision;
        Match m;
        if ((m = Regex.Match(span, @"^(\d+) d(?: (\d+) h)?$")).Success)
        {
            read = Int128.Parse(m.Groups[1].Value, inv) * TimeSpan.TicksPerDay + (m.Groups[2].Success ? long.Parse(m.Groups[2].Value, inv) * TimeSpan.TicksPerHour : 0);
            precision = TimeSpan.TicksPerHour;
        }
        else if ((m = Regex.Match(span, @"^(\d+) h(?: (\d+) min)?$")).Success)
        {
            read = long.Parse(m.Groups[1].Value, inv) * TimeSpan.TicksPerHour + (m.Groups[2].Success ? long.Parse(m.Groups[2].Value, inv) * TimeSpan.TicksPerMinute : 0);
            precision = TimeSpan.TicksPerMinute;
        }
        else if ((m = Regex.Match(span, @"^(\d+) min(?: ([\d.]+) s)?$")).Success)
        {
            read = long.Parse(m.Groups[1].Value, inv) * TimeSpan.TicksPerMinute + (m.Groups[2].Success ? (long)Math.Round(double.Parse(m.Groups[2].Value, inv) * TimeSpan.TicksPerSecond) : 0);
            precision = TimeSpan.TicksPerMillisecond;
        }
        else if ((m = Regex.Match(span, @"^([\d.]+) (s|ms|µs)$")).Success)
        {
            long unit = m.Groups[2].Value switch { "s" => TimeSpan.TicksPerSecond, "ms" => TimeSpan.TicksPerMillisecond, _ => 10 };
            read = (long)Math.Round(double.Parse(m.Groups[1].Value, inv) * unit);
            precision = unit == 10 ? 1 : unit / 1000;
        }
        else
        {
            Assert.Fail($"'{span}' is not a distance (in '{reason}')");
            return;
        }
        Assert.True(read <= ticks && ticks - read < precision || Int128.Abs(ticks - read) <= precision / 2,
            $"'{reason}' reads {read} ticks, but the deadline was {ticks} ticks from entry");
    }

    /// <summary>The reason of a scope on a clock at <paramref name="entryTicks"/> with <paramref name="deadline"/>, and the scope's text while it ran.</summary>
    static (string Reason, string Text) ReasonOf(long entryTicks, TimeSpan deadline)
    {
        var clock = AutoClock();
        clock.Advance(TimeSpan.FromTicks(entryTicks));
        string? reason = null, text = null;
        Run(async () =>
        {
            var scope = CancelScope.MoveOnAt(deadline);
            await scope.RunAsync(async () =>
            {
                text = scope.ToString();
                await Time.SleepForeverAsync();
            });
            Assert.True(scope.CancelledCaught);
            reason = scope.CancelReason;
        }, new LoopOptions { Clock = clock });
        return (reason!, text!);
    }

    [GeneratedRegex(@"^deadline (?<span>.+) (?<side>after|before) entry passed$")]
    private static partial Regex ReasonShape();

    [GeneratedRegex(@"deadline (?<rel>.+? (?:after|before)) entry \((?:in|passed) ")]
    private static partial Regex TextShape();
}
