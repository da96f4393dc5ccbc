using System.Reflection;
using System.Runtime.CompilerServices;

namespace Structured.Testing;

/// <summary>
/// Says what a task that is blocked outside every Structured primitive awaits: it follows the task's async methods
/// down to the <see cref="Task"/> at the bottom (a <c>Task.Delay</c>, a <c>Task.Run</c>, a Task someone else
/// completes) and notes a <c>ConfigureAwait(false)</c> on the way. A test loop sees such a task as blocked with
/// nothing to wake it, and would otherwise report a plain deadlock.
/// </summary>
/// <remarks>
/// It reads the compiler's async state machines and the BCL's awaiters by reflection (their field names have been
/// stable since .NET Core 3); anything it does not recognize yields the generic explanation, never an error. A
/// test-time diagnostic only: Structured.Testing is not trimming-safe anyway (FsCheck).
/// </remarks>
internal static class EscapeFinder
{
    const BindingFlags Fields = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
    const int MaxDepth = 64;

    static readonly FieldInfo? s_taskAction = typeof(Task).GetField("m_action", Fields);

    /// <summary>
    /// One sentence naming the escape and its fix, for a task not blocked in any Structured primitive whose Task is
    /// <paramref name="task"/>; the generic explanation when the Task is unknown or what it awaits is not recognized.
    /// </summary>
    internal static string Describe(Task? task)
    {
        bool configureAwaitFalse = false;
        string? what = null;
        try
        {
            what = Bottom(task, ref configureAwaitFalse);
        }
#pragma warning disable CA1031 // A diagnostic must never hide the report it improves: any surprise falls back to the generic text.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        var text = what ?? "a Task that the loop does not drive (another thread, I/O, or a TaskCompletionSource completes it)";
        var fix = what switch
        {
            Delay => "use Time.SleepAsync (the loop's clock; on a test loop it jumps) instead of Task.Delay",
            Run => "use ToThread.RunAsync (the loop waits for it and the trace shows it) instead of Task.Run",
            _ => "run blocking or outside work with ToThread.RunAsync, and wait with Structured primitives (Event, channels, Time.SleepAsync)",
        };
        if (configureAwaitFalse)
        {
            text += ", awaited with ConfigureAwait(false)";
            fix = "remove ConfigureAwait(false) (on the loop it sends the rest of the method to the thread pool, off the loop), and " + fix;
        }
        return $"not blocked in any Structured primitive: it awaits {text}, outside the loop, which a test loop cannot wait for. Fix: {fix}";
    }

    const string Delay = "Task.Delay (a timer of the thread pool, not of the loop's virtual clock)";
    const string Run = "Task.Run (work on the thread pool)";

    /// <summary>Follows awaits from <paramref name="task"/> down; returns what the innermost awaited Task is, or null if unknown.</summary>
    static string? Bottom(Task? task, ref bool configureAwaitFalse)
    {
        for (int depth = 0; task is not null && depth < MaxDepth; depth++)
        {
            // No check of IsCompleted: a Task.Delay that ended a moment after the loop gave up is still the escape.
            var type = task.GetType();
            var stateMachine = type.GetField("StateMachine", Fields)?.GetValue(task);
            if (stateMachine is null)
                return Classify(task, type);
            // An async method: its pending awaiter is the one awaiter field (<>u__N) that is not default.
            Task? awaited = null;
            foreach (var field in stateMachine.GetType().GetFields(Fields))
            {
                if (!field.Name.StartsWith("<>u__", StringComparison.Ordinal))
                    continue;
                if (Awaited(field.GetValue(stateMachine), ref configureAwaitFalse, out var next, out bool structured))
                {
                    if (structured)
                        return null; // awaiting one of ours (a ValueTask of a Structured primitive): not an escape
                    awaited = next;
                    break;
                }
            }
            task = awaited;
        }
        return null;
    }

    /// <summary>Reads a TaskAwaiter, ConfiguredTaskAwaiter, ValueTaskAwaiter or ConfiguredValueTaskAwaiter; false when it is default.</summary>
    static bool Awaited(object? awaiter, ref bool configureAwaitFalse, out Task? task, out bool structured)
    {
        task = null;
        structured = false;
        if (awaiter is null)
            return false;
        var type = awaiter.GetType();
        if (type.GetField("m_task", Fields) is { } taskField)
        {
            task = taskField.GetValue(awaiter) as Task;
            if (task is null)
                return false;
            if (type.GetField("m_options", Fields)?.GetValue(awaiter) is ConfigureAwaitOptions options
                && (options & ConfigureAwaitOptions.ContinueOnCapturedContext) == 0)
                configureAwaitFalse = true;
            return true;
        }
        if (type.GetField("_value", Fields) is { } valueField && valueField.GetValue(awaiter) is { } valueTask)
        {
            var valueType = valueTask.GetType();
            var obj = valueType.GetField("_obj", Fields)?.GetValue(valueTask);
            if (obj is null)
                return false;
            if (valueType.GetField("_continueOnCapturedContext", Fields)?.GetValue(valueTask) is false)
                configureAwaitFalse = true;
            task = obj as Task;
            // Not a Task: an IValueTaskSource; Structured's own come from Structured's assemblies.
            structured = task is null && (obj.GetType().Namespace?.StartsWith("Structured", StringComparison.Ordinal) ?? false);
            return true;
        }
        return false;
    }

    static string? Classify(Task task, Type type)
    {
        var name = type.Name;
        if (name.StartsWith("DelayPromise", StringComparison.Ordinal))
            return Delay;
        if (name.StartsWith("UnwrapPromise", StringComparison.Ordinal))
            return Run;
        // A delegate task (Task.Run, Task.Factory.StartNew) is a plain Task or Task<T> with its delegate; continuations are other types.
        bool plain = type == typeof(Task) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>));
        if (plain && s_taskAction?.GetValue(task) is not null)
            return Run;
        return null;
    }
}
