namespace Stress;

/// <summary>A broken rule that ends a scenario at once (the scenario's figures say what was counted until then).</summary>
internal sealed class StressFailure : Exception
{
    public StressFailure()
    {
    }

    public StressFailure(string message)
        : base(message)
    {
    }

    public StressFailure(string message, Exception inner)
        : base(message, inner)
    {
    }
}
