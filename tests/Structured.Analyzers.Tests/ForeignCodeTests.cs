using Microsoft.CodeAnalysis.CSharp;
using Structured.Analyzers;

namespace AnalyzersTests;

/// <summary>Code that never uses Structured gets nothing, and a compilation without Structured registers nothing.</summary>
public sealed class ForeignCodeTests
{
    [Fact]
    public Task ForeignAsyncCodeInAProjectThatReferencesStructuredGetsNoDiagnostic()
    {
        var test = new StructuredTest(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Corpus", "Foreign.cs.txt"))).WithPathRule();
        return test.RunAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void ACompilationWithoutStructuredHasNoFacts()
    {
        var compilation = CSharpCompilation.Create("Foreign", [CSharpSyntaxTree.ParseText("class C { }", cancellationToken: TestContext.Current.CancellationToken)],
            [Microsoft.CodeAnalysis.MetadataReference.CreateFromFile(typeof(object).Assembly.Location)]);
        Assert.Null(StructuredFacts.TryCreate(compilation));
    }
}
