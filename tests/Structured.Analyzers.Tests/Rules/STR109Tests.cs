namespace AnalyzersTests;

public sealed class STR109Tests
{
    [Fact]
    public Task ANurseryThatOnlyStartsOneChildIsReported() => StructuredTest.VerifyAsync("""
        class C
        {
            static Task Work() => Task.CompletedTask;
            async Task M()
            {
                await {|STR109:Nursery.RunAsync|}(async n => { n.StartSoon(Work); });
                await {|STR109:Nursery.RunAsync|}(n => { n.StartSoon(Work); return Task.CompletedTask; });
                await {|STR109:Nursery.RunAsync|}(async n => await n.StartAsync(started => { started.Started(); return Work(); }));
            }
        }
        """);

    [Fact]
    public Task NurseriesThatDoMoreOrPassThemselvesOnAreNotReported() => StructuredTest.VerifyAsync("""
        class C
        {
            static Task Work() => Task.CompletedTask;
            static Task Serve(Nursery n) => Task.CompletedTask;
            async Task M()
            {
                await Nursery.RunAsync(async n => { n.StartSoon(Work); n.StartSoon(Work); });
                await Nursery.RunAsync(async n => { n.StartSoon(Work); await Work(); });
                await Nursery.RunAsync(async n => { n.StartSoon(() => Serve(n)); });
            }
        }
        """);
}
