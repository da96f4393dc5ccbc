namespace Structured.Testing;

/// <summary>
/// Shrinking a failing list of schedule choices. <see cref="DeltaDebug"/> is ddmin (Zeller and Hildebrandt, TSE 2002)
/// over the departures from FIFO (the non-zero choices): it keeps halves, quarters, ... of them, or drops them, as long
/// as the run still fails, in O(k log k) runs for k departures, so a 100-task run's hundreds of departures shrink within
/// the budget. <see cref="Candidates"/> are local steps, most aggressive first: FIFO, departure subsets (the same
/// granularity steps, for FsCheck), shorter lists (chunks removed at every offset, halves first; runs of FIFO steps
/// before a departure removed), then fewer non-FIFO choices, then smaller choices. Every candidate is trimmed and
/// strictly smaller than the list (<see cref="ChoiceLists.IsSmaller"/>), so repeated shrinking ends; shrinking until no
/// candidate fails reaches a local minimum: no single removal, shortening or smaller choice of the result still fails.
/// </summary>
internal static class ScheduleShrinker
{
    /// <summary>Up to this length a list's chunks are removed at every offset; past it, at multiples of their size.</summary>
    internal const int LongList = 16;

    /// <summary>
    /// ddmin over the departures of <paramref name="failing"/>. <paramref name="fails"/> runs a candidate and returns the
    /// choices the run actually took (trimmed) when it failed, null when it passed or the budget is spent.
    /// </summary>
    internal static int[] DeltaDebug(int[] failing, Func<int[], int[]?> fails)
    {
        var best = ChoiceLists.Trim(failing);
        int granularity = 2;
        while (true)
        {
            var departures = Departures(best);
            if (departures.Count == 0)
                return best;
            if (departures.Count == 1)
                return fails([]) ?? best;
            granularity = Math.Min(granularity, departures.Count);
            var chunks = Split(departures, granularity);
            int[]? found = null;
            bool complement = false;
            foreach (var chunk in chunks)
            {
                found = Try(best, chunk, fails);
                if (found is not null)
                    break;
            }
            if (found is null && granularity > 2)
            {
                foreach (var chunk in chunks)
                {
                    found = Try(best, departures.Except(chunk).ToList(), fails);
                    if (found is not null)
                    {
                        complement = true;
                        break;
                    }
                }
            }
            if (found is not null)
            {
                best = found;
                granularity = complement ? Math.Max(granularity - 1, 2) : 2;
                continue;
            }
            if (granularity >= departures.Count)
                return best;
            granularity = Math.Min(granularity * 2, departures.Count);
        }
    }

    static int[]? Try(int[] best, List<int> keep, Func<int[], int[]?> fails)
    {
        var candidate = Keep(best, keep);
        if (!ChoiceLists.IsSmaller(candidate, best))
            return null;
        var taken = fails(candidate);
        if (taken is null)
            return null;
        return ChoiceLists.IsSmaller(taken, candidate) ? taken : candidate;
    }

    /// <summary>The positions of the non-zero choices.</summary>
    static List<int> Departures(int[] list)
    {
        var positions = new List<int>();
        for (int i = 0; i < list.Length; i++)
        {
            if (list[i] != 0)
                positions.Add(i);
        }
        return positions;
    }

    static List<List<int>> Split(List<int> items, int parts)
    {
        var chunks = new List<List<int>>(parts);
        for (int p = 0; p < parts; p++)
        {
            int from = items.Count * p / parts, to = items.Count * (p + 1) / parts;
            chunks.Add(items.GetRange(from, to - from));
        }
        return chunks;
    }

    /// <summary>The list with only the departures at <paramref name="keep"/> (the others FIFO), trimmed.</summary>
    static int[] Keep(int[] list, List<int> keep)
    {
        var copy = new int[list.Length];
        foreach (int position in keep)
            copy[position] = list[position];
        return ChoiceLists.Trim(copy);
    }

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
        // ddmin's steps, for a driver that takes the first failing candidate (FsCheck): keep one chunk of the departures, or drop one.
        var departures = Departures(list);
        for (int parts = 2; parts <= departures.Count && departures.Count > 2; parts *= 2)
        {
            var chunks = Split(departures, parts);
            foreach (var chunk in chunks)
                yield return Keep(list, chunk);
            foreach (var chunk in chunks)
                yield return Keep(list, departures.Except(chunk).ToList());
        }
        // Move a departure earlier: remove all, then fewer, of the FIFO steps (zeros) just before it.
        for (int i = 1; i < n; i++)
        {
            if (list[i] == 0)
                continue;
            int zeros = 0;
            while (i - zeros - 1 >= 0 && list[i - zeros - 1] == 0)
                zeros++;
            // Every count for a short run, a halving ladder for a long one (hundreds of FIFO steps before a late departure).
            for (int k = zeros; k >= 1; k = zeros <= 8 ? k - 1 : k > 1 ? Math.Max(1, k / 2) : 0)
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
        // Make one choice smaller: 1, then v - v/2, v - v/4, ..., v - 1 (a ladder, so that the smallest failing value is
        // reached in a logarithmic number of shrinks, not one at a time; a generated choice may be huge, too).
        for (int i = 0; i < n; i++)
        {
            if (list[i] > 1)
            {
                var one = (int[])list.Clone();
                one[i] = 1;
                yield return one;
                for (int step = list[i] / 2; step >= 1; step /= 2)
                {
                    if (list[i] - step <= 1)
                        continue;
                    var less = (int[])list.Clone();
                    less[i] = list[i] - step;
                    yield return less;
                }
            }
        }
        // Remove chunks of n/2, n/4, ..., 1 choices, at every offset (not only at multiples of the size: [1, 0, 0, 1]
        // shrinks to [1, 1] only by removing the middle two): the later choices move to earlier steps.
        // A long list (a run of hundreds of choice points) gets the chunks at multiples of their size only, ddmin's
        // partition: every offset would cost O(n log n) runs before the result could be called a local minimum.
        for (int size = n / 2; size >= 1; size /= 2)
        {
            int stride = n <= LongList ? 1 : size;
            for (int start = 0; start + size <= n; start += stride)
            {
                // A chunk of FIFO steps only is the same as that many zeros removed before the next departure, tried above.
                if (!list.AsSpan(start, size).ContainsAnyExcept(0))
                    continue;
                yield return [.. list[..start], .. list[(start + size)..]];
            }
        }
    }
}
