namespace Structured.Analyzers;

internal sealed partial class StructuredFacts
{
    /// <summary>A compilation's facts in <see cref="PerCompilation"/>, boxed so that a compilation without any (null) is remembered too.</summary>
    private sealed class Box(StructuredFacts? facts)
    {
        public StructuredFacts? Facts { get; } = facts;
    }
}
