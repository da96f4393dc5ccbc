namespace Benchmarks;

/// <summary>One row of issue 7's target table: what was asked, what was measured, and whether it holds.</summary>
/// <param name="Row">The row ("W1 spawn + join, noop: time").</param>
/// <param name="Target">The target in words ("≤ 1.0× raw pool").</param>
/// <param name="Measured">The measured ratio or figure, with its inputs.</param>
/// <param name="Met">Whether the target holds (null: not measured).</param>
public sealed record TargetCheck(string Row, string Target, string Measured, bool? Met)
{
    /// <summary>"met", "NOT met" or "not measured".</summary>
    public string Verdict => Met switch { true => "met", false => "**not met**", null => Target == "—" ? "(profile)" : "not measured" };
}
