using System.Text.RegularExpressions;

namespace AnalyzersTests;

/// <summary>
/// The corpus (Corpus/*.cs.txt): correct code in the docs' patterns gets no STR diagnostic at all, and every marked
/// violation is reported, with every rule on (STR112 included). Each "// === name" section is its own compilation,
/// with Corpus/Support.cs.txt beside it.
/// </summary>
public sealed partial class CorpusTests
{
    private static readonly string Usings = StructuredTest.Usings.Replace("using Structured;", "using System.Linq;\nusing Structured;", StringComparison.Ordinal);

    [GeneratedRegex(@"^// === (?<name>[A-Za-z0-9-]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Section();

    private static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Corpus", name));

    /// <summary>The sections of a corpus file, by name.</summary>
    internal static Dictionary<string, string> Sections(string file)
    {
        var text = Read(file);
        var matches = Section().Matches(text);
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < matches.Count; i++)
        {
            var end = i + 1 < matches.Count ? matches[i + 1].Index : text.Length;
            var start = matches[i].Index + matches[i].Length;
            sections.Add(matches[i].Groups["name"].Value, text[start..end]);
        }
        return sections;
    }

    public static TheoryData<string> Correct() => [.. Sections("Correct.cs.txt").Keys];

    public static TheoryData<string> Violations() => [.. Sections("Violations.cs.txt").Keys];

    private static Task VerifyAsync(string file, string name)
    {
        var test = new StructuredTest(Usings + Sections(file)[name]).WithPathRule();
        test.TestState.Sources.Add(("Support.cs", Read("Support.cs.txt")));
        return test.RunAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [MemberData(nameof(Correct))]
    public Task CorrectCodeGetsNoDiagnostic(string name) => VerifyAsync("Correct.cs.txt", name);

    [Theory]
    [MemberData(nameof(Violations))]
    public Task EveryViolationIsReported(string name) => VerifyAsync("Violations.cs.txt", name);

    [Fact]
    public void TheCorpusIsLargeAndCoversEveryRule()
    {
        Assert.True(Sections("Correct.cs.txt").Count >= 60, "at least 60 correct snippets");
        var violations = Sections("Violations.cs.txt");
        Assert.True(violations.Count >= 50, "at least 50 violations");
        for (var id = 101; id <= 113; id++)
        {
            var count = violations.Values.Count(v => v.Contains("{|STR" + id + ":", StringComparison.Ordinal));
            Assert.True(count >= 3, $"STR{id}: {count} violation forms, expected at least 3");
        }
    }
}
