namespace Structured;

/// <summary>
/// The descendants of a process, read from <c>/proc</c> on Linux: <see cref="System.Diagnostics.Process.Kill(bool)"/>
/// SIGKILLs them, but only the direct child can be waited for; these let <see cref="Subprocess"/> also wait until the
/// grandchildren are dead, so that none still runs when the call returns.
/// </summary>
/// <remarks>Elsewhere (no <c>/proc</c>) the lists are empty and only the direct child is waited for.</remarks>
internal static class ProcessTree
{
    /// <summary>Every process below <paramref name="root"/> now (children, their children, ...).</summary>
    internal static List<int> Descendants(int root)
    {
        var found = new List<int>();
        if (!OperatingSystem.IsLinux())
            return found;
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid) || ReadStat(pid) is not { } stat)
                continue;
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 3);
            if (fields.Length >= 2 && int.TryParse(fields[1], out int parent))
            {
                if (!children.TryGetValue(parent, out var list))
                    children[parent] = list = [];
                list.Add(pid);
            }
        }
        var pending = new Queue<int>();
        pending.Enqueue(root);
        while (pending.TryDequeue(out int pid))
        {
            if (!children.TryGetValue(pid, out var list))
                continue;
            foreach (int child in list)
            {
                found.Add(child);
                pending.Enqueue(child);
            }
        }
        return found;
    }

    /// <summary>Whether the process runs no more: gone, or a zombie waiting for its parent (or init) to reap it.</summary>
    internal static bool IsDead(int pid)
    {
        var stat = ReadStat(pid);
        return stat is null || stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
    }

    static string? ReadStat(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // exited meanwhile, or not ours to read
        }
    }
}
