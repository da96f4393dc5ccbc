using System.Runtime.CompilerServices;

namespace Structured;

/// <summary>
/// A deadline given as a wall-clock time (<see cref="CancelScope.MoveOnAt(DateTimeOffset)"/>,
/// <see cref="CancelScope.SetDeadline(DateTimeOffset)"/>): the time the user gave, for the reason text, and the loop
/// time it was turned into. Kept beside its scope in a weak table rather than in a field of the scope: a scope with a
/// <see cref="TimeSpan"/> deadline, the common case, pays nothing for it.
/// </summary>
internal sealed class WallClockDeadline
{
    static readonly ConditionalWeakTable<CancelScope, WallClockDeadline> s_byScope = [];

    // Whether any wall-clock deadline was ever set: until then a deadline's reason does not look in the table.
    static volatile bool s_anySet;

    WallClockDeadline(DateTimeOffset at) => At = at;

    /// <summary>The wall-clock time as the user gave it (its offset kept, for the reason text).</summary>
    internal DateTimeOffset At { get; }

    /// <summary>The loop time (TimeSpan ticks on the scope's clock) it was turned into, or null while it waits for the scope's entry.</summary>
    internal long? Ticks { get; private set; }

    /// <summary>Records <paramref name="at"/> as <paramref name="scope"/>'s deadline; <paramref name="ticks"/> null until the scope is entered.</summary>
    internal static void Set(CancelScope scope, DateTimeOffset at, long? ticks)
    {
        s_anySet = true;
        s_byScope.AddOrUpdate(scope, new WallClockDeadline(at) { Ticks = ticks });
    }

    /// <summary>The wall-clock time <paramref name="scope"/>'s deadline was set to, if it is the one now at <paramref name="ticks"/>.</summary>
    /// <remarks>A later <see cref="TimeSpan"/> deadline leaves the entry behind; it no longer matches, so nothing needs removing.</remarks>
    internal static DateTimeOffset? Find(CancelScope scope, long ticks)
        => s_anySet && s_byScope.TryGetValue(scope, out var entry) && entry.Ticks == ticks ? entry.At : null;

    /// <summary>The wall-clock deadline of an unentered scope (its deadline waits for entry), or null.</summary>
    internal static DateTimeOffset? Pending(CancelScope scope)
        => s_anySet && s_byScope.TryGetValue(scope, out var entry) && entry.Ticks is null ? entry.At : null;

    /// <summary>Turns the pending wall-clock deadline of <paramref name="scope"/> into loop time on <paramref name="loop"/>'s clock, as it is entered.</summary>
    internal static long Resolve(CancelScope scope, Loop? loop)
    {
        if (!s_byScope.TryGetValue(scope, out var entry))
            return long.MaxValue;
        long ticks = ToLoopTicks(entry.At, loop);
        entry.Ticks = ticks;
        return ticks;
    }

    /// <summary>
    /// <paramref name="at"/> as loop time on <paramref name="loop"/>'s clock (the system clock when null): now on the
    /// monotonic clock plus how far <paramref name="at"/> is from the clock's <see cref="TimeProvider.GetUtcNow"/>.
    /// Far future saturates just below <see cref="TimeSpan.MaxValue"/> ("none").
    /// </summary>
    internal static long ToLoopTicks(DateTimeOffset at, Loop? loop)
    {
        if (at == DateTimeOffset.MaxValue)
            return long.MaxValue;
        var clock = loop?.Clock ?? TimeProvider.System;
        long now = loop?.FreshNowTicks ?? Time.NowTicksFor(null);
        long ahead = (at - clock.GetUtcNow()).Ticks;
        return ahead > long.MaxValue - 1 - now ? long.MaxValue - 1 : now + ahead;
    }
}
