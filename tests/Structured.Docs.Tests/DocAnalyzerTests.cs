using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DocsTests;

/// <summary>
/// Every ```csharp block of README.md and docs/ is compiled with the STR analyzers on (all of them, info included),
/// and the test fails on any STR diagnostic that the snippet does not expect by a marker on the line before its
/// fence (<c>&lt;!-- compile: NAME, expect: STR107 --&gt;</c> or <c>&lt;!-- expect: STR107 STR112 --&gt;</c>), or on an
/// expected one that does not appear. Blocks marked <c>compile: NAME</c> are analyzed together, as the build compiles
/// them (and the build checks that they compile); the others are fragments, each analyzed alone, as class members
/// when they parse so, else as the body of an async method: the analyzers see what resolves in them.
/// </summary>
public sealed partial class DocAnalyzerTests
{
    [GeneratedRegex(@"^\s*<!--\s*(compile:\s*(?<name>[A-Za-z0-9_-]+)\s*(?<method>,\s*as-method\s*)?)?(,?\s*expect:(?<expect>[^>]*))?-->\s*$")]
    private static partial Regex Marker();

    [GeneratedRegex(@"^using\s+(static\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*(=\s*[^;]+)?;\s*$")]
    private static partial Regex UsingLine();

    private const string CommonUsings =
        "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
        "global using System.Net; global using System.Net.Sockets; global using System.Threading; global using System.Threading.Tasks; " +
        "global using Structured; global using Structured.Testing; global using Microsoft.Extensions.DependencyInjection; " +
        "global using Microsoft.Extensions.Hosting; global using Microsoft.Extensions.Logging;";

    private sealed record Snippet(string Doc, int FirstLine, string[] Lines, string? Name, bool AsMethod, HashSet<string> Expected);

    static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Structured.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No Structured.sln above {AppContext.BaseDirectory}: run the tests from a clone of the repository.");
    }

    static IEnumerable<Snippet> Snippets(string root)
    {
        var docs = new[] { Path.Combine(root, "README.md") }.Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories));
        foreach (var doc in docs.OrderBy(d => d, StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(doc);
            for (var i = 0; i < lines.Length; i++)
            {
                if (!lines[i].Trim().StartsWith("```csharp", StringComparison.Ordinal))
                    continue;
                var marker = i > 0 ? Marker().Match(lines[i - 1]) : Match.Empty;
                var start = i + 1;
                var end = start;
                while (end < lines.Length && !lines[end].Trim().StartsWith("```", StringComparison.Ordinal))
                    end++;
                var expected = marker.Success && marker.Groups["expect"].Success
                    ? marker.Groups["expect"].Value.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal)
                    : [];
                yield return new Snippet(Path.GetRelativePath(root, doc), start + 1, lines[start..end],
                    marker.Success && marker.Groups["name"].Success ? marker.Groups["name"].Value : null,
                    marker.Success && marker.Groups["method"].Success, expected);
                i = end;
            }
        }
    }

    /// <summary>The source of a snippet, line for line (usings moved to the top, their lines left blank), wrapped as needed.</summary>
    static (string Text, int Offset) Wrap(Snippet snippet, int index)
    {
        var usings = new StringBuilder();
        var body = new StringBuilder();
        foreach (var line in snippet.Lines)
        {
            if (UsingLine().IsMatch(line.Trim()))
            {
                usings.Append(line.Trim()).Append(' ');
                body.AppendLine();
            }
            else
            {
                body.AppendLine(line);
            }
        }
        var head = usings + "\n";
        var code = body.ToString();
        if (snippet.Name is not null && !snippet.AsMethod)
            return (head + code, 1);
        var asMembers = CSharpSyntaxTree.ParseText("class X {\n" + code + "\n}");
        var asTypes = CSharpSyntaxTree.ParseText(code);
        if (!snippet.AsMethod && !asTypes.GetDiagnostics().Any() &&
            asTypes.GetCompilationUnitRoot().Members.All(m => m is Microsoft.CodeAnalysis.CSharp.Syntax.BaseTypeDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.BaseNamespaceDeclarationSyntax))
            return (head + code, 1);
        if (!snippet.AsMethod && !asMembers.GetDiagnostics().Any())
            return (head + $"partial class DocSnippet{index} {{\n" + code + "}\n", 2);
        return (head + $"static partial class DocSnippet{index} {{ static async Task<int> Main(string[] args) {{\n" + code + "return 0; } }\n", 2);
    }

    static ImmutableArray<MetadataReference> References() =>
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var f && (f.StartsWith("System.", StringComparison.Ordinal) || f.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) ||
                f.StartsWith("Structured.", StringComparison.Ordinal) && !f.StartsWith("Structured.Docs", StringComparison.Ordinal) || f is "netstandard.dll" or "mscorlib.dll"))
            .Distinct()
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)),
    ];

    static ImmutableArray<DiagnosticAnalyzer> Analyzers() =>
    [
        .. LoadableTypes(typeof(Structured.Analyzers.PathWithoutCheckpointAnalyzer).Assembly)
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!),
    ];

    // The code fixes of the assembly need Roslyn's Workspaces, which this project does not load: skip those types.
    static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try { return assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { return e.Types.Where(t => t is not null)!; }
    }

    [Fact]
    public async Task Every_C_sharp_snippet_of_the_docs_has_only_the_STR_diagnostics_it_expects()
    {
        var root = Root();
        var snippets = Snippets(root).ToList();
        Assert.True(snippets.Count >= 60, $"only {snippets.Count} C# snippets found under {root}");
        var references = References();
        var analyzers = Analyzers();
        Assert.True(analyzers.Length >= 13, "the STR analyzers were not found");
        // Blocks of one compile name are one compilation, as in the build; every other block is its own.
        var groups = snippets.Select((s, i) => (Snippet: s, Index: i)).GroupBy(x => x.Snippet.Name is { } n ? "name:" + n : "block:" + x.Index);
        var failures = new List<string>();
        foreach (var group in groups)
        {
            var trees = new List<(SyntaxTree Tree, Snippet Snippet, int Offset)>();
            foreach (var (snippet, index) in group)
            {
                var (text, offset) = Wrap(snippet, index);
                trees.Add((CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest), path: $"{snippet.Doc}#{snippet.FirstLine}",
                    cancellationToken: TestContext.Current.CancellationToken), snippet, offset));
            }
            var compilation = CSharpCompilation.Create("DocSnippets" + group.Key.GetHashCode(),
                trees.Select(t => t.Tree).Append(CSharpSyntaxTree.ParseText(CommonUsings, cancellationToken: TestContext.Current.CancellationToken)),
                references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            var diagnostics = await compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);
            foreach (var (tree, snippet, offset) in trees)
            {
                var found = diagnostics.Where(d => d.Location.SourceTree == tree && d.Id.StartsWith("STR", StringComparison.Ordinal)).ToList();
                foreach (var d in found.Where(d => !snippet.Expected.Contains(d.Id)))
                {
                    var line = snippet.FirstLine + d.Location.GetLineSpan().StartLinePosition.Line - offset;
                    failures.Add($"{snippet.Doc}:{line}: {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}");
                }
                foreach (var id in snippet.Expected.Where(id => !found.Any(d => d.Id == id)))
                {
                    failures.Add($"{snippet.Doc}:{snippet.FirstLine}: expects {id}, which is not reported");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} unexpected STR diagnostics in the docs' snippets (fix the snippet, or mark it <!-- expect: STRxxx --> when it shows the violation on purpose):\n" + string.Join("\n", failures));
    }
}
