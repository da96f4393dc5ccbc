namespace Structured;

/// <summary>A scripted schedule: the list of choices of <see cref="Schedule.FromChoices"/>.</summary>
internal sealed class ChoicesSchedule(int[] choices) : Schedule
{
    internal IReadOnlyList<int> Choices => choices;

    internal override SchedulePolicy CreatePolicy() => new SchedulePolicy.Scripted(choices);

    /// <summary>The replay line: C# that builds this very schedule.</summary>
    public override string ToString() => $"Schedule.FromChoices(new[] {{ {string.Join(", ", choices)} }})";
}
