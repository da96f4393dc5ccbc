using Microsoft.CodeAnalysis;

namespace Structured.Analyzers;

/// <summary>The STR1xx diagnostics. Each id has a page docs/analyzers/STR1xx.md (the help link).</summary>
internal static class Descriptors
{
    private const string Category = "Structured.Concurrency";
    private const string HelpBase = "https://github.com/structured-dotnet/structured/blob/main/docs/analyzers/";

    private static DiagnosticDescriptor Rule(string id, string title, string message, DiagnosticSeverity severity, string description) =>
        new(id, title, message, Category, severity, isEnabledByDefault: true, description, HelpBase + id + ".md");

    public static readonly DiagnosticDescriptor STR101 = Rule("STR101",
        "Cancel scope body awaits nothing",
        "The body of this {0} awaits nothing, so its deadline or cancellation can never take effect; await inside the body or remove the scope",
        DiagnosticSeverity.Warning,
        "Cancellation is delivered at checkpoints (awaits of Structured operations). A cancel scope or timeout whose body never awaits cannot be cancelled; the timeout is dead code (flake8-async ASYNC100).");

    public static readonly DiagnosticDescriptor STR102 = Rule("STR102",
        "Checkpoint awaited in finally or cancellation handler without a shield",
        "'{0}' is a checkpoint awaited in {1} outside a shielded cancel scope: in a cancelled scope it throws at once and the cleanup does not run; wrap it in new CancelScope(deadline, shield: true).RunAsync(...)",
        DiagnosticSeverity.Warning,
        "While a scope is cancelled every checkpoint inside it throws again (level-triggered cancellation), so an await in a finally block or a catch of the cancellation aborts the cleanup (flake8-async ASYNC102).");

    public static readonly DiagnosticDescriptor STR103 = Rule("STR103",
        "Catch swallows cancellation",
        "This catch ({0}) catches Structured's cancellation but does not rethrow it on every path; rethrow with 'throw;' or let OperationCanceledException through",
        DiagnosticSeverity.Warning,
        "A cancel scope only ends when its cancellation exception reaches it. Catching OperationCanceledException (or Exception) around a checkpoint and not rethrowing it makes the code carry on as if it had not been cancelled (flake8-async ASYNC103/ASYNC104).");

    public static readonly DiagnosticDescriptor STR104 = Rule("STR104",
        "Use Checkpoint.YieldAsync instead of Task.Yield or Task.Delay(0)",
        "'{0}' is not a cancel point; use 'await Checkpoint.YieldAsync()', which yields and also throws if the task is cancelled",
        DiagnosticSeverity.Info,
        "Checkpoint.YieldAsync() is both a schedule point and a cancel point; Task.Yield() and Task.Delay(0) only reschedule (or do nothing) and ignore the cancel scope.");

    public static readonly DiagnosticDescriptor STR105 = Rule("STR105",
        "ConfigureAwait(false) in code that runs on the Loop",
        "ConfigureAwait(false) resumes on the thread pool, off the Loop; remove it in code that uses Structured",
        DiagnosticSeverity.Warning,
        "Code on the Loop must resume on the Loop: ConfigureAwait(false) drops the Loop's SynchronizationContext, so the rest of the method races with the Loop's tasks and loses its determinism.");

    public static readonly DiagnosticDescriptor STR106 = Rule("STR106",
        "Blocking call in async code",
        "'{0}' blocks the thread; on the Loop it stops every task (and can deadlock). Use {1}",
        DiagnosticSeverity.Warning,
        "The Loop runs every task on one thread: a blocking call stops them all, and waiting on a task that needs the Loop to finish deadlocks it (flake8-async ASYNC2xx).");

    public static readonly DiagnosticDescriptor STR107 = Rule("STR107",
        "Fire-and-forget task",
        "The task of '{0}' is dropped: nothing waits for it or sees its errors; start it with nursery.StartSoon (or await ToThread.RunAsync for blocking work)",
        DiagnosticSeverity.Warning,
        "Every task should have a parent that waits for it and receives its errors. A Task that is discarded is outside the tree: its errors are lost and it outlives its caller's cancel scope.");

    public static readonly DiagnosticDescriptor STR108 = Rule("STR108",
        "Busy-wait loop",
        "This loop polls a condition by sleeping; have the code that changes the condition set an Event and await event.WaitAsync() instead",
        DiagnosticSeverity.Info,
        "Polling with a sleep wakes the task for nothing and reacts late by up to the sleep's length; an Event wakes it exactly when the condition changes (flake8-async ASYNC110).");

    public static readonly DiagnosticDescriptor STR109 = Rule("STR109",
        "Nursery with a single child and nothing else",
        "This nursery only starts one child and does nothing else; await the child's function directly",
        DiagnosticSeverity.Info,
        "A nursery whose body starts a single child and returns adds a task and an AggregateException around that child's errors, and nothing else (flake8-async ASYNC112).");

    public static readonly DiagnosticDescriptor STR110 = Rule("STR110",
        "Startable function can finish without calling Started",
        "'{0}' has a path that finishes without calling {0}.Started(); the StartAsync that runs it would fail (or never return)",
        DiagnosticSeverity.Warning,
        "nursery.StartAsync returns when the child calls Started(). A path that returns without calling it fails StartAsync, and a function that never calls it leaves StartAsync waiting.");

    public static readonly DiagnosticDescriptor STR111 = Rule("STR111",
        "Resource disposed while a child still uses it",
        "'{0}' is disposed when the nursery body ends, but the child started here uses it and the body does not wait for the child; declare it outside Nursery.RunAsync or inside the child",
        DiagnosticSeverity.Warning,
        "A nursery body returns before its children finish (the nursery then waits for them). A using variable of the body is disposed when the body returns, while a child that captured it is still running.");

    public static readonly DiagnosticDescriptor STR112 = Rule("STR112",
        "Path without a checkpoint",
        "{0} can {1} without awaiting a checkpoint: on that path a cancellation is not seen and the other tasks do not run; await a Structured operation on every path, or 'await Checkpoint.YieldAsync()'",
        DiagnosticSeverity.Info,
        "Callers of an async function of Structured code expect it to be a checkpoint, as Structured's own awaitables are: a path through it (or through an iteration of an endless loop, or from one yield to the next) that awaits no checkpoint ignores cancellation there and can starve the Loop (flake8-async ASYNC910, ASYNC911, ASYNC913).");

    public static readonly DiagnosticDescriptor STR113 = Rule("STR113",
        "Nursery body loop waits where the nursery's cancellation cannot reach",
        "This loop starts children in a nursery but waits only on '{0}', which the nursery's cancellation cannot reach: when a child fails, the loop (and so the error) waits until that call returns; give it CancelScope.CurrentToken (or the body's token), or wait on a Structured operation",
        DiagnosticSeverity.Warning,
        "A nursery cancels its body when a child fails, but a wait that ignores the cancel scope (a .NET API given no token, or a token from elsewhere) does not end: the error is only reported when that wait returns, which for a queue or a socket may be at shutdown.");
}
