namespace AspNetBench;

/// <summary>The knobs of the Kestrel benchmark's run (command line of <see cref="Program"/>).</summary>
public sealed class KestrelOptions
{
    /// <summary>Connections of the load generator.</summary>
    public int Connections { get; set; } = 128;

    /// <summary>Measured rounds; each runs every variant once, in an order rotated by one each round.</summary>
    public int Rounds { get; set; } = 5;

    /// <summary>How long each variant's load lasts in a measured round.</summary>
    public TimeSpan RoundDuration { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long each variant's load lasts in the warm-up round (not reported: tiering, connection set-up).</summary>
    public TimeSpan WarmupDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>At most this many requests per variant and round, whatever the time.</summary>
    public long MaxRequestsPerRound { get; set; } = 2_000_000;

    /// <summary>Only the variants whose path contains this (for a profiler attached to the server: no table then), or null for all.</summary>
    public string? Only { get; set; }

    /// <summary>Where the table is also written (markdown), or null.</summary>
    public string? OutputFile { get; set; }

    /// <summary>The short mode: 3 measured rounds of 2 s after a 1 s warm-up (about 40 s in all).</summary>
    public void UseShortMode()
    {
        Rounds = 3;
        RoundDuration = TimeSpan.FromSeconds(2);
        WarmupDuration = TimeSpan.FromSeconds(1);
    }

    /// <summary>An upper bound of the run's time, for its own deadline: every round, plus start-up and slack.</summary>
    public TimeSpan Bound => (WarmupDuration + (RoundDuration * Rounds)) * Variant.All.Count * 2 + TimeSpan.FromSeconds(60);
}
