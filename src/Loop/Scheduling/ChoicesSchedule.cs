namespace Structured;

/// <summary>A scripted schedule: the list of choices of <see cref="Schedule.FromChoices"/>.</summary>
internal sealed class ChoicesSchedule(int[] choices) : Schedule
{
    internal IReadOnlyList<int> Choices => choices;

    internal override ScheduleStrategy CreateStrategy() => new Scripted(choices);

    /// <summary>The replay line: C# that builds this very schedule.</summary>
    public override string ToString() => ReplayLine(choices);

    /// <summary>
    /// The C# that builds the schedule of <paramref name="choices"/>: <c>Schedule.FromChoices(new[] { 1, 0, 1 })</c> (an
    /// empty list needs its element type spelled out). The one spelling of the replay line, also for Structured.Testing's reports.
    /// </summary>
    /// <remarks>Choices are non-negative (<see cref="Schedule.FromChoices"/> checks it): their digits do not depend on the culture.</remarks>
    internal static string ReplayLine(IReadOnlyList<int> choices)
        => choices.Count == 0 ? "Schedule.FromChoices(new int[] { })" : $"Schedule.FromChoices(new[] {{ {string.Join(", ", choices)} }})";

    sealed class Scripted(int[] choices) : ScheduleStrategy
    {
        int _step;

        public override int Choose(ReadySet ready)
            => _step < choices.Length ? choices[_step++] % ready.Count : 0;
    }
}
