using System.Text;

namespace Structured.Testing;

/// <summary>
/// One step of a task in a <see cref="RunTrace"/>: the loop ran the task from one await to the next.
/// Says which task, whether it started or resumed, which ready task the schedule picked, what it
/// spawned and how the step ended.
/// </summary>
/// <remarks><see cref="ToString"/> is one readable line, such as
/// <c>step 4 at 00:00:00: 'incrementer-B' resumed (choice 1 of 2), then blocked on AsyncLock.AcquireAsync</c>.</remarks>
public sealed class TraceStep
{
    internal TraceStep(int number, TaskInfo task, bool started, TimeSpan time, int? choice, int? readyCount)
    {
        Number = number;
        TaskName = task.Name;
        TaskId = task.Id;
        Started = started;
        Time = time;
        Choice = choice;
        ReadyCount = readyCount;
    }

    /// <summary>The step's position in the run, from 1.</summary>
    public int Number { get; }

    /// <summary>The name of the task that ran (<see cref="TaskInfo.Name"/>).</summary>
    public string TaskName { get; }

    /// <summary>The id of the task that ran (<see cref="TaskInfo.Id"/>).</summary>
    public long TaskId { get; }

    /// <summary>True for the task's first step, false when it resumed after an await.</summary>
    public bool Started { get; }

    /// <summary>The loop's virtual time when the step began.</summary>
    public TimeSpan Time { get; }

    /// <summary>The position in the ready queue the schedule picked (0 = FIFO), or null when only one callback was ready.</summary>
    public int? Choice { get; }

    /// <summary>How many callbacks were ready when <see cref="Choice"/> was made, or null when no choice was made.</summary>
    public int? ReadyCount { get; }

    /// <summary>The names of the tasks this step spawned, in spawn order.</summary>
    public IReadOnlyList<string> Spawned { get; private set; } = [];

    /// <summary>How the step ended.</summary>
    public TraceStepOutcome Outcome { get; private set; }

    /// <summary>What the task blocked on when <see cref="Outcome"/> is <see cref="TraceStepOutcome.Blocked"/> (<see cref="TaskInfo.WaitingOn"/>), else null.</summary>
    public string? WaitingOn { get; private set; }

    /// <summary>What the task threw when <see cref="Outcome"/> is <see cref="TraceStepOutcome.Failed"/>, else null.</summary>
    public Exception? Error { get; private set; }

    internal void End(TraceStepOutcome outcome, string? waitingOn, Exception? error, IReadOnlyList<string>? spawned)
    {
        Spawned = spawned ?? [];
        Outcome = outcome;
        WaitingOn = waitingOn;
        Error = error;
    }

    /// <summary>One line: the step number, the time, the task's name, the choice, what it spawned and how the step ended.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("step ").Append(Number).Append(" at ").Append(Time.ToString("c", System.Globalization.CultureInfo.InvariantCulture))
            .Append(": '").Append(TaskName).Append("' ").Append(Started ? "started" : "resumed");
        if (Choice is int choice)
            text.Append(" (choice ").Append(choice).Append(" of ").Append(ReadyCount).Append(')');
        if (Spawned.Count > 0)
            text.Append(", spawned '").Append(string.Join("', '", Spawned)).Append('\'');
        text.Append(", then ");
        switch (Outcome)
        {
            case TraceStepOutcome.Yielded:
                text.Append("yielded");
                break;
            case TraceStepOutcome.Blocked:
                text.Append("blocked on ").Append(WaitingOn ?? "something outside Structured");
                break;
            case TraceStepOutcome.Finished:
                text.Append("finished");
                break;
            default:
                // A nursery's AggregateException of one error says "One or more errors occurred": show that one error.
                var error = Error is null ? null : ConcurrencyProperty.Unwrap(Error);
                text.Append("failed with ").Append(error?.GetType().Name).Append(": ").Append(FirstLine(error?.Message));
                if (!ReferenceEquals(error, Error))
                    text.Append(" (in an ").Append(Error!.GetType().Name).Append(')');
                break;
        }
        return text.ToString();
    }

    static string FirstLine(string? message)
    {
        if (message is null)
            return "";
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end] + " ...";
    }
}
