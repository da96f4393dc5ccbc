namespace DocsTests;

/// <summary>
/// The marked snippets of the docs are compiled into this project (see the .csproj); these tests check that the
/// markers are where the docs need them, so a snippet cannot silently drop out of the build.
/// </summary>
public class DocSnippetTests
{
    // The repository's root, found from the test's output folder (a CI build maps source paths to /_/, so the
    // compiler's file paths do not lead back to the clone).
    static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Structured.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No Structured.sln above {AppContext.BaseDirectory}: run the tests from a clone of the repository.");
    }

    [Theory]
    [InlineData("docs/from-backgroundservice.md", 5)]
    [InlineData("docs/testing.md", 1)]
    [InlineData("docs/tutorial.md", 1)]
    [InlineData("README.md", 1)]
    public void The_C_sharp_snippets_of_these_docs_are_marked_for_compilation(string doc, int atLeast)
    {
        var text = File.ReadAllText(Path.Combine(Root(), doc));
        int marked = text.Split('\n').Count(l => l.TrimStart().StartsWith("<!-- compile:", StringComparison.Ordinal));
        Assert.True(marked >= atLeast, $"{doc}: {marked} snippets marked for compilation, expected at least {atLeast}");
    }

    [Fact]
    public void The_snippets_compiled_into_this_assembly()
    {
        var types = typeof(DocSnippetTests).Assembly.GetTypes().Select(t => t.Name).ToList();
        Assert.Contains("StructuredWorker", types);   // docs/from-backgroundservice.md
        Assert.Contains("Inventory", types);          // docs/testing.md
        Assert.Contains(types, t => t.StartsWith("DocSnippet_readme", StringComparison.Ordinal));
    }
}
