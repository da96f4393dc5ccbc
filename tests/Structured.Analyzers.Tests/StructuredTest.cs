using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Structured.Analyzers;
using Structured.Testing;

namespace AnalyzersTests;

/// <summary>
/// Runs every STR analyzer and code fix over a snippet compiled against the real Structured assemblies and the
/// running framework's assemblies (no reference packs are downloaded).
/// </summary>
internal sealed class StructuredTest : CSharpCodeFixTest<EmptyDiagnosticAnalyzer, EmptyCodeFixProvider, DefaultVerifier>
{
    /// <summary>Usings every snippet starts with (its markup positions include them).</summary>
    public const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing Structured;\n\n";

    private static readonly ImmutableArray<MetadataReference> References = LoadReferences();

    public StructuredTest(string source, string? fixedSource = null)
    {
        TestCode = source;
        if (fixedSource is not null)
        {
            FixedCode = fixedSource;
        }
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        TestState.AdditionalReferences.AddRange(References);
        // STR112 (a path without a checkpoint) would fire on most snippets of the other rules, which are about
        // something else: only its own tests and the violations file turn it on (WithPathRule).
        DisabledDiagnostics.Add("STR112");
    }

    /// <summary>Turns STR112 on for this test.</summary>
    public StructuredTest WithPathRule()
    {
        DisabledDiagnostics.Remove("STR112");
        return this;
    }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() =>
    [
        new CancelScopeWithoutCheckpointAnalyzer(), new AwaitInCleanupAnalyzer(), new SwallowedCancellationAnalyzer(),
        new TaskYieldAnalyzer(), new ConfigureAwaitFalseAnalyzer(), new BlockingCallAnalyzer(), new FireAndForgetAnalyzer(),
        new BusyWaitAnalyzer(), new SingleChildNurseryAnalyzer(), new StartedNotCalledAnalyzer(), new UsingCapturedByChildAnalyzer(),
        new PathWithoutCheckpointAnalyzer(), new LoopWaitOutOfNurseryReachAnalyzer(),
    ];

    protected override IEnumerable<CodeFixProvider> GetCodeFixProviders() =>
        [new UseCheckpointYieldCodeFix(), new RemoveConfigureAwaitCodeFix(), new InsertCheckpointCodeFix()];

    /// <summary>Checks that exactly the diagnostics marked in <paramref name="source"/> (<c>{|STR1xx:...|}</c>) are reported.</summary>
    public static Task VerifyAsync(string source) => new StructuredTest(Usings + source).RunAsync(TestContext.Current.CancellationToken);

    /// <summary>As <see cref="VerifyAsync"/>, with STR112 on.</summary>
    public static Task VerifyPathAsync(string source) => new StructuredTest(Usings + source).WithPathRule().RunAsync(TestContext.Current.CancellationToken);

    /// <summary>As <see cref="VerifyFixAsync"/>, with STR112 on.</summary>
    public static Task VerifyPathFixAsync(string source, string fixedSource) =>
        new StructuredTest(Usings + source, Usings + fixedSource).WithPathRule().RunAsync(TestContext.Current.CancellationToken);

    /// <summary>Checks the marked diagnostics and that the code fixes turn the source into <paramref name="fixedSource"/>.</summary>
    public static Task VerifyFixAsync(string source, string fixedSource) =>
        new StructuredTest(Usings + source, Usings + fixedSource).RunAsync(TestContext.Current.CancellationToken);

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var f && (f.StartsWith("System.", StringComparison.Ordinal) || f.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) ||
                f is "System.dll" or "netstandard.dll" or "mscorlib.dll"));
        var structured = new[]
        {
            typeof(Loop).Assembly.Location, typeof(Nursery).Assembly.Location,
            typeof(MemoryChannel).Assembly.Location, typeof(TestLoop).Assembly.Location, typeof(Tcp).Assembly.Location,
        };
        return [.. framework.Concat(structured).Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }
}
