namespace Structured;

/// <summary>The error for a function of the caller's that returned a null Task instead of the task of its work.</summary>
internal static class NullTask
{
    /// <summary>The error to throw when <paramref name="function"/> (who gave it to what: "The body given to Nursery.MapAsync") returned null.</summary>
    internal static InvalidOperationException Returned(string function)
        => new($"{function} returned a null Task; return the Task of an async method.");
}
