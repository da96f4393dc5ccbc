using System.Text.Json;

namespace Benchmarks;

/// <summary>
/// Results of shared/bench/python (one JSON object per line) measured on this machine: trio.jsonl,
/// asyncio.jsonl, uvloop.jsonl in one folder.
/// </summary>
public sealed class PythonReferences
{
    /// <summary>The implementations in column order, with the file each comes from.</summary>
    public static readonly (string Name, string File)[] Implementations = [("Trio", "trio.jsonl"), ("asyncio", "asyncio.jsonl"), ("uvloop", "uvloop.jsonl")];

    readonly Dictionary<(string Impl, string Workload, string Variant), JsonElement> _rows = [];

    /// <summary>Library versions seen, for the report.</summary>
    public SortedSet<string> Libraries { get; } = [];

    /// <summary>Reads every file that exists in <paramref name="folder"/>.</summary>
    public static PythonReferences Load(string folder)
    {
        var references = new PythonReferences();
        foreach (var (name, file) in Implementations)
        {
            var path = Path.Combine(folder, file);
            if (!File.Exists(path))
                continue;
            foreach (var line in File.ReadLines(path))
            {
                if (string.IsNullOrWhiteSpace(line))
                    continue;
                var row = JsonDocument.Parse(line).RootElement;
                references._rows[(name, row.GetProperty("workload").GetString()!, row.GetProperty("variant").GetString()!)] = row;
                if (row.TryGetProperty("lib", out var lib))
                    references.Libraries.Add(lib.GetString()!);
            }
        }
        return references;
    }

    /// <summary>A numeric field of one result, or null when that implementation has no such row.</summary>
    public double? Get(string impl, string workload, string variant, string field)
        => _rows.TryGetValue((impl, workload, variant), out var row) && row.TryGetProperty(field, out var value) ? value.GetDouble() : null;
}
