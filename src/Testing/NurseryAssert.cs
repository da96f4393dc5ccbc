namespace Structured.Testing;

/// <summary>
/// Assertions for tests about a nursery's errors (Trio's <c>RaisesGroup</c>): check the whole shape of an
/// <see cref="AggregateException"/> in one line, nesting included.
/// </summary>
/// <example>
/// <code>
/// var error = await Record.ExceptionAsync(() => Nursery.RunAsync(...));
/// NurseryAssert.HasShape(error, "[TimeoutException, [IOException, IOException]]");
/// </code>
/// </example>
public static class NurseryAssert
{
    /// <summary>
    /// Asserts that <paramref name="error"/> is an <see cref="AggregateException"/> whose shape, as
    /// <see cref="AggregateExceptionExtensions.Shape"/> writes it, is <paramref name="expectedShape"/>;
    /// returns the aggregate for further checks.
    /// </summary>
    /// <param name="error">What the code under test threw (null when it threw nothing).</param>
    /// <param name="expectedShape">Type names in brackets, e.g. <c>[InvalidOperationException, [TimeoutException]]</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="expectedShape"/> is null.</exception>
    /// <exception cref="NurseryAssertException">The error is missing, not an aggregate, or has another shape; the message shows both shapes and the errors.</exception>
    public static AggregateException HasShape(Exception? error, string expectedShape)
    {
        ArgumentNullException.ThrowIfNull(expectedShape);
        if (error is not AggregateException aggregate)
        {
            throw new NurseryAssertException(error is null
                ? $"Expected a nursery error of shape {expectedShape}, but nothing was thrown."
                : $"Expected a nursery error of shape {expectedShape}, but got {error.GetType().Name}: {error.Message}", error);
        }
        var actual = aggregate.Shape();
        if (!string.Equals(Normalize(actual), Normalize(expectedShape), StringComparison.Ordinal))
        {
            var errors = string.Join(Environment.NewLine, aggregate.Leaves().Select(e => $"  {e.GetType().Name}: {e.Message}"));
            throw new NurseryAssertException($"Expected a nursery error of shape {expectedShape}, but got {actual}:{Environment.NewLine}{errors}", error);
        }
        return aggregate;
    }

    static string Normalize(string shape) => string.Concat(shape.Where(c => !char.IsWhiteSpace(c)));
}
