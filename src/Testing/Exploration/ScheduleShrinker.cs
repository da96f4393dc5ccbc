namespace Structured.Testing;

/// <summary>
/// Candidate shrinks of a list of schedule choices, most aggressive first: FIFO, then shorter lists
/// (chunks removed, halves first), then fewer non-FIFO choices, then smaller choices. Every candidate is
/// trimmed and strictly smaller than the list (<see cref="ChoiceLists.IsSmaller"/>), so repeated shrinking ends.
/// </summary>
internal static class ScheduleShrinker
{
    internal static IEnumerable<int[]> Candidates(IReadOnlyList<int> choices)
    {
        var list = ChoiceLists.Trim(choices);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var candidate in Raw(list))
        {
            var trimmed = ChoiceLists.Trim(candidate);
            if (ChoiceLists.IsSmaller(trimmed, list) && seen.Add(string.Join(",", trimmed)))
                yield return trimmed;
        }
    }

    static IEnumerable<int[]> Raw(int[] list)
    {
        int n = list.Length;
        if (n == 0)
            yield break;
        yield return [];
        // Remove chunks of n/2, n/4, ..., 1 choices: the later choices move to earlier steps.
        for (int size = n / 2; size >= 1; size /= 2)
        {
            for (int start = 0; start + size <= n; start += size)
                yield return [.. list[..start], .. list[(start + size)..]];
        }
        // Make one choice FIFO, the last ones first (they matter least to where the run went).
        for (int i = n - 1; i >= 0; i--)
        {
            if (list[i] != 0)
            {
                var copy = (int[])list.Clone();
                copy[i] = 0;
                yield return copy;
            }
        }
        // Make one choice smaller: 1, then one less.
        for (int i = 0; i < n; i++)
        {
            if (list[i] > 1)
            {
                var one = (int[])list.Clone();
                one[i] = 1;
                yield return one;
                if (list[i] > 2)
                {
                    var less = (int[])list.Clone();
                    less[i] = list[i] - 1;
                    yield return less;
                }
            }
        }
    }
}
