namespace Structured.Testing;

/// <summary>
/// Candidate shrinks of a list of schedule choices, most aggressive first: FIFO, then shorter lists
/// (chunks removed at every offset, halves first; runs of FIFO steps before a departure removed), then fewer
/// non-FIFO choices, then smaller choices. Every candidate is trimmed and strictly smaller than the list
/// (<see cref="ChoiceLists.IsSmaller"/>), so repeated shrinking ends; shrinking until no candidate fails reaches a
/// local minimum: no single removal, shortening or smaller choice of the result still fails.
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
        // Remove chunks of n/2, n/4, ..., 1 choices, at every offset (not only at multiples of the size: [1, 0, 0, 1]
        // shrinks to [1, 1] only by removing the middle two): the later choices move to earlier steps.
        for (int size = n / 2; size >= 1; size /= 2)
        {
            for (int start = 0; start + size <= n; start++)
                yield return [.. list[..start], .. list[(start + size)..]];
        }
        // Move a departure earlier: remove some or all of the FIFO steps (zeros) just before it, whatever their number.
        for (int i = 1; i < n; i++)
        {
            if (list[i] == 0)
                continue;
            int zeros = 0;
            while (i - zeros - 1 >= 0 && list[i - zeros - 1] == 0)
                zeros++;
            for (int k = zeros; k >= 1; k--)
                yield return [.. list[..(i - k)], .. list[i..]];
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
