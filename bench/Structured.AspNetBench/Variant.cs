namespace AspNetBench;

/// <summary>One endpoint of the Kestrel benchmark: what it measures and the path the load generator asks for.</summary>
/// <param name="Name">The row of the table.</param>
/// <param name="Path">The request's path on the benchmark server.</param>
/// <param name="Baseline">The variant this one is compared with in the second ratio column (the first is against plain).</param>
public sealed record Variant(string Name, string Path, string? Baseline = null)
{
    /// <summary>Plain ASP.NET Core: a handler that writes "Hello".</summary>
    public static readonly Variant Plain = new("plain /hello", "/p/hello");

    /// <summary>The same handler under <c>app.UseStructuredRequests()</c>.</summary>
    public static readonly Variant Scoped = new("UseStructuredRequests() /hello", "/s/hello", Plain.Name);

    /// <summary>Plain ASP.NET Core: two children with <c>Task.Run</c> + <c>Task.WhenAll</c>, then "Hello".</summary>
    public static readonly Variant PlainFanOut = new("plain fan-out, Task.WhenAll", "/p/whenall", Plain.Name);

    /// <summary>The same two children in a nursery (<c>Nursery.RunAsync</c> + <c>StartSoon</c>), under the request scope.</summary>
    public static readonly Variant ScopedNursery = new("scope + nursery fan-out", "/s/nursery", "scope + Task.WhenAll fan-out");

    /// <summary>The <c>Task.WhenAll</c> fan-out under the request scope: the baseline of the nursery fan-out.</summary>
    public static readonly Variant ScopedWhenAll = new("scope + Task.WhenAll fan-out", "/s/whenall", PlainFanOut.Name);

    /// <summary>Every variant, in the order of the table; the rounds rotate this order.</summary>
    public static readonly IReadOnlyList<Variant> All = [Plain, Scoped, PlainFanOut, ScopedNursery, ScopedWhenAll];
}
