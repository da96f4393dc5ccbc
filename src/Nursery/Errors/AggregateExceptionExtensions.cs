using System.Text;

namespace Structured;

/// <summary>
/// Handling a nursery's <see cref="AggregateException"/> without <c>except*</c>: test for, pick out and split
/// off errors by type, keeping the nesting (in the spirit of Python's <c>ExceptionGroup.split</c>).
/// </summary>
/// <example>
/// <code>
/// catch (AggregateException errors) when (errors.Contains&lt;TimeoutException&gt;())
/// {
///     var (timeouts, rest) = errors.Split&lt;TimeoutException&gt;();
///     log.Warn($"{timeouts!.Leaves().Count()} timeouts");
///     if (rest is not null) throw rest;
/// }
/// </code>
/// </example>
public static class AggregateExceptionExtensions
{
    /// <summary>Every exception inside <paramref name="group"/> that is not itself an aggregate, depth-first, in order.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    public static IEnumerable<Exception> Leaves(this AggregateException group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return LeavesOf(group);
    }

    /// <summary>Whether <paramref name="group"/> holds, at any depth, an exception of type <typeparamref name="TException"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    public static bool Contains<TException>(this AggregateException group) where TException : Exception
        => group.Leaves().Any(e => e is TException);

    /// <summary>The exceptions of type <typeparamref name="TException"/> inside <paramref name="group"/>, at any depth, in order.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    public static IEnumerable<TException> Find<TException>(this AggregateException group) where TException : Exception
        => group.Leaves().OfType<TException>();

    /// <summary>
    /// Splits <paramref name="group"/> into the errors of type <typeparamref name="TException"/> and the rest,
    /// each with the nesting of the original; a part with nothing in it is null.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    public static (AggregateException? Matching, AggregateException? Others) Split<TException>(this AggregateException group) where TException : Exception
        => group.Split(static e => e is TException);

    /// <summary>Splits <paramref name="group"/> into the errors that match <paramref name="predicate"/> and the rest, keeping the nesting.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> or <paramref name="predicate"/> is null.</exception>
    public static (AggregateException? Matching, AggregateException? Others) Split(this AggregateException group, Func<Exception, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(predicate);
        var matching = new List<Exception>();
        var rest = new List<Exception>();
        foreach (var inner in group.InnerExceptions)
        {
            if (inner is AggregateException nested)
            {
                var (m, r) = nested.Split(predicate);
                if (m is not null)
                    matching.Add(m);
                if (r is not null)
                    rest.Add(r);
            }
            else
            {
                (predicate(inner) ? matching : rest).Add(inner);
            }
        }
        // Each part gets a message of its own: the group's would still list the errors that went to the other part.
        return (matching.Count == 0 ? null : new AggregateException(PartMessage(matching, "that matched the split"), matching),
                rest.Count == 0 ? null : new AggregateException(PartMessage(rest, "that did not match the split"), rest));
    }

    static string PartMessage(List<Exception> part, string which)
    {
        int count = part.Sum(e => e is AggregateException nested ? nested.Leaves().Count() : 1);
        return count == 1 ? $"The error of a group {which}." : $"The {count} errors of a group {which}.";
    }

    /// <summary>
    /// A compact text of the exception's structure: a type name for a plain exception, brackets for an
    /// aggregate, as in <c>[InvalidOperationException, [TimeoutException, IOException]]</c>. Handy in logs and test assertions.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
    public static string Shape(this Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var text = new StringBuilder();
        AppendShape(error, text);
        return text.ToString();
    }

    static void AppendShape(Exception error, StringBuilder text)
    {
        if (error is not AggregateException group)
        {
            text.Append(error.GetType().Name);
            return;
        }
        text.Append('[');
        for (int i = 0; i < group.InnerExceptions.Count; i++)
        {
            if (i > 0)
                text.Append(", ");
            AppendShape(group.InnerExceptions[i], text);
        }
        text.Append(']');
    }

    static IEnumerable<Exception> LeavesOf(AggregateException group)
    {
        foreach (var inner in group.InnerExceptions)
        {
            if (inner is AggregateException nested)
            {
                foreach (var leaf in LeavesOf(nested))
                    yield return leaf;
            }
            else
            {
                yield return inner;
            }
        }
    }
}
