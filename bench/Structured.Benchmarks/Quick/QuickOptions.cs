namespace Benchmarks;

/// <summary>Options of the quick mode, from the command line.</summary>
public sealed class QuickOptions
{
    /// <summary>Timed repetitions of the fast workloads (W1–W4, posting); one untimed warm-up comes first.</summary>
    public int Reps { get; set; } = 5;

    /// <summary>Timed repetitions of the slow workloads (W2, W3, W6); W5 runs <see cref="W5Reps"/> fresh processes.</summary>
    public int SlowReps { get; set; } = 3;

    /// <summary>Fresh processes per host for W5.</summary>
    public int W5Reps { get; set; } = 2;

    /// <summary>Workloads to run (floor, W1..W6, post, listen); all when empty.</summary>
    public HashSet<string> Only { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A folder with trio.jsonl, asyncio.jsonl and uvloop.jsonl from shared/bench/python, for the Python columns.</summary>
    public string? PythonResults { get; set; }

    /// <summary>Where to write the Markdown report as well as printing it.</summary>
    public string? OutputFile { get; set; }

    /// <summary>Whether to run the scale checks as well (<c>--scale</c>).</summary>
    public bool Scale { get; set; }

    /// <summary>Whether the workload <paramref name="name"/> is selected.</summary>
    public bool Runs(string name) => Only.Count == 0 || Only.Contains(name);
}
