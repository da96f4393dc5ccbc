namespace Structured;

/// <summary>
/// The named channels of the process, held weakly: a channel dropped without closing is still collected. A channel
/// is reported until every end of it is closed. Only named channels come here (a lock and a weak reference per
/// creation), so channels made per request, unnamed, cost nothing.
/// </summary>
internal static class NamedChannelRegistry
{
    static readonly Lock s_gate = new();
    static readonly List<WeakReference<INamedChannel>> s_channels = [];

    // Pruned when the list doubles past what was alive at the last pruning: nobody may ever observe, and channels
    // created and dropped in a loop must not grow the list without bound.
    static int s_pruneAt = 16;

    internal static void Add(INamedChannel channel)
    {
        // The channel instruments are created with the meter; a program (or test) whose first use of Structured is a
        // named channel, before any loop or task, would otherwise have them reported by nobody.
        StructuredMetrics.EnsureCreated();
        lock (s_gate)
        {
            if (s_channels.Count >= s_pruneAt)
            {
                PruneLocked();
                s_pruneAt = Math.Max(16, s_channels.Count * 2);
            }
            s_channels.Add(new WeakReference<INamedChannel>(channel));
        }
    }

    /// <summary>The live named channels, with the closed and collected ones dropped.</summary>
    internal static List<INamedChannel> Snapshot()
    {
        lock (s_gate)
        {
            PruneLocked();
            var live = new List<INamedChannel>(s_channels.Count);
            foreach (var reference in s_channels)
            {
                if (reference.TryGetTarget(out var channel))
                    live.Add(channel);
            }
            return live;
        }
    }

    static void PruneLocked()
        => s_channels.RemoveAll(static reference => !reference.TryGetTarget(out var channel) || channel.IsClosed);
}
