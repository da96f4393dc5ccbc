namespace Structured.Testing;

/// <summary>Helpers for lists of schedule choices: trimming, ordering by size, and the replay line.</summary>
internal static class ChoiceLists
{
    /// <summary>The list without its trailing zeros: once a list runs out the loop is FIFO, so they change nothing.</summary>
    internal static int[] Trim(IReadOnlyList<int> choices)
    {
        int length = choices.Count;
        while (length > 0 && choices[length - 1] == 0)
            length--;
        var trimmed = new int[length];
        for (int i = 0; i < length; i++)
            trimmed[i] = choices[i];
        return trimmed;
    }

    /// <summary>
    /// Whether <paramref name="a"/> is a smaller departure from FIFO than <paramref name="b"/>: fewer non-FIFO
    /// choices, then a shorter list, then smaller choices. Shrinking only accepts strictly smaller lists, so it ends.
    /// </summary>
    internal static bool IsSmaller(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        var x = Measure(a);
        var y = Measure(b);
        return x.NonZero != y.NonZero ? x.NonZero < y.NonZero
            : x.Length != y.Length ? x.Length < y.Length
            : x.Sum < y.Sum;
    }

    static (int NonZero, int Length, long Sum) Measure(IReadOnlyList<int> choices)
    {
        int nonZero = 0, length = 0;
        long sum = 0;
        for (int i = 0; i < choices.Count; i++)
        {
            if (choices[i] != 0)
            {
                nonZero++;
                length = i + 1;
                sum += choices[i];
            }
        }
        return (nonZero, length, sum);
    }

    /// <summary>The C# that builds the schedule of <paramref name="choices"/>: <c>Schedule.FromChoices(new[] { 1, 0, 1 })</c>, as the schedule's ToString spells it.</summary>
    internal static string ReplayLine(IReadOnlyList<int> choices) => ChoicesSchedule.ReplayLine(choices);

    /// <summary>
    /// The argument of <c>TestLoop.Run(body, ...)</c> that replays <paramref name="choices"/>: the schedule alone, or, when
    /// the run made spawns or every operation choice points, a <c>new TestLoopOptions { ... }</c> that sets them too
    /// (the same choices mean other steps without them).
    /// </summary>
    internal static string ReplayLine(IReadOnlyList<int> choices, bool yieldAtSpawn, bool yieldAtEveryOperation)
    {
        if (!yieldAtSpawn && !yieldAtEveryOperation)
            return ReplayLine(choices);
        return "new TestLoopOptions { Schedule = " + ReplayLine(choices)
            + (yieldAtSpawn ? ", YieldAtSpawn = true" : "")
            + (yieldAtEveryOperation ? ", YieldAtEveryOperation = true" : "")
            + " }";
    }
}
