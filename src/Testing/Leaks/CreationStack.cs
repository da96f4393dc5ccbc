using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Structured.Testing;

/// <summary>The stack of a creating call as a leak report shows it: the test's own frames, innermost first.</summary>
internal static class CreationStack
{
    const int MaxFrames = 12;

    static readonly HashSet<string> s_libraryAssemblies =
        ["Structured.Loop", "Structured.Nursery", "Structured.Channels", "Structured.Testing", "System.Private.CoreLib"];

    /// <summary>Captures the current stack without the frames of Structured, the BCL and the runtime's event plumbing.</summary>
    internal static string Capture()
    {
        var text = new StringBuilder();
        int kept = 0;
        foreach (var frame in new StackTrace(1, fNeedFileInfo: true).GetFrames())
        {
            if (frame.GetMethod() is not MethodBase method || IsLibrary(method))
                continue;
            text.Append("   at ").Append(method.DeclaringType?.FullName).Append('.').Append(method.Name);
            if (frame.GetFileName() is { } file)
                text.Append(" in ").Append(file).Append(":line ").Append(frame.GetFileLineNumber());
            text.AppendLine();
            if (++kept == MaxFrames)
                break;
        }
        return kept == 0 ? "   (no frame outside Structured and the runtime)" : text.ToString();
    }

    static bool IsLibrary(MethodBase method)
    {
        var assembly = method.DeclaringType?.Assembly.GetName().Name ?? "";
        return s_libraryAssemblies.Contains(assembly)
            || assembly.StartsWith("System.", StringComparison.Ordinal)
            || assembly.StartsWith("Microsoft.", StringComparison.Ordinal)
            || assembly.StartsWith("xunit", StringComparison.Ordinal);
    }
}
