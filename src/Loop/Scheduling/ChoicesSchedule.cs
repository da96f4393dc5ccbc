namespace Structured;

/// <summary>A scripted schedule: the list of choices of <see cref="Schedule.FromChoices"/>.</summary>
internal sealed class ChoicesSchedule(int[] choices) : Schedule
{
    internal IReadOnlyList<int> Choices => choices;

    internal override ScheduleStrategy CreateStrategy() => new Scripted(choices);

    /// <summary>The replay line: C# that builds this very schedule (an empty list needs its element type spelled out).</summary>
    public override string ToString()
        => choices.Length == 0 ? "Schedule.FromChoices(new int[] { })" : $"Schedule.FromChoices(new[] {{ {string.Join(", ", choices)} }})";

    sealed class Scripted(int[] choices) : ScheduleStrategy
    {
        int _step;

        public override int Choose(ReadySet ready)
            => _step < choices.Length ? choices[_step++] % ready.Count : 0;
    }
}
