namespace AnalyzersTests;

/// <summary>
/// Every rule over one file of known violations (Violations/Violations.cs.txt): exactly the marked diagnostics,
/// and the code fixes applied turn it into Violations.fixed.cs.txt, where the diagnostics without a fix remain.
/// </summary>
public sealed class ViolationsTests
{
    private static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Violations", name));

    [Fact]
    public Task EveryMarkedViolationIsReportedAndFixed()
    {
        var test = new StructuredTest(Read("Violations.cs.txt"), Read("Violations.fixed.cs.txt"))
        {
            // Three fixes (STR104, STR105, STR112), one at a time or as "fix all": at most as many passes as
            // fixable diagnostics (a negative count is an upper bound).
            NumberOfIncrementalIterations = -10,
            NumberOfFixAllIterations = -10,
            NumberOfFixAllInDocumentIterations = -10,
        }.WithPathRule();
        return test.RunAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void TheViolationsFileCoversEveryRule()
    {
        var source = Read("Violations.cs.txt");
        for (var id = 101; id <= 113; id++)
        {
            Assert.Contains("{|STR" + id + ":", source, StringComparison.Ordinal);
        }
    }
}
