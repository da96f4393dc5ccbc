using System.Globalization;

namespace BugFinding;

/// <summary>The command line of the benchmark.</summary>
internal sealed class Options
{
    internal int Seeds { get; private set; } = 5;
    internal int FirstSeed { get; private set; }
    internal int MaxSchedules { get; private set; } = 10_000;
    internal double Seconds { get; private set; } = 5;
    internal HashSet<string>? Bugs { get; private set; }
    internal HashSet<string>? Strategies { get; private set; }
    internal string? CoyotePath { get; private set; }
    internal string? CsvPath { get; private set; }
    internal string? TablePath { get; private set; }
    internal string? OursPath { get; private set; }

    internal static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            switch (args[i])
            {
                case "--seeds": o.Seeds = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--first-seed": o.FirstSeed = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--max-schedules": o.MaxSchedules = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--seconds": o.Seconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--bugs": o.Bugs = [.. value.Split(',')]; break;
                case "--strategies": o.Strategies = [.. value.Split(',')]; break;
                case "--coyote": o.CoyotePath = value; break;
                case "--csv": o.CsvPath = value; break;
                case "--table": o.TablePath = value; break;
                case "--ours": o.OursPath = value; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return o;
    }
}
