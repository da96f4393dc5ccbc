using System.Globalization;

namespace BugFinding;

/// <summary>One run: a bug, a tool and strategy, a seed; whether it found the bug, after how many schedules and how long; replays that failed again.</summary>
internal sealed record Row(string Bug, string Tool, string Strategy, int Seed, bool Found, int Schedules, double Milliseconds, int Replayed, int Replays)
{
    internal const string Header = "bug,tool,strategy,seed,found,schedules,ms,replayed,replays";

    internal string Csv()
        => string.Create(CultureInfo.InvariantCulture, $"{Bug},{Tool},{Strategy},{Seed},{(Found ? 1 : 0)},{Schedules},{Milliseconds:0.###},{Replayed},{Replays}");

    internal static List<Row> ReadCsv(string path)
    {
        var rows = new List<Row>();
        foreach (var line in File.ReadAllLines(path))
        {
            // Coyote's console lines may be mixed in: only rows of nine fields with a 0/1 "found" are data.
            var f = line.Split(',');
            if (f.Length != 9 || f[4] is not ("0" or "1"))
                continue;
            rows.Add(new Row(f[0], f[1], f[2], int.Parse(f[3], CultureInfo.InvariantCulture), f[4] == "1", int.Parse(f[5], CultureInfo.InvariantCulture),
                double.Parse(f[6], CultureInfo.InvariantCulture), int.Parse(f[7], CultureInfo.InvariantCulture), int.Parse(f[8], CultureInfo.InvariantCulture)));
        }
        return rows;
    }
}
