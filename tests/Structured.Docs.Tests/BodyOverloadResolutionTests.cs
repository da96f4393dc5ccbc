using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DocsTests;

/// <summary>
/// The call forms users write still compile beside the ValueTask twins (decision 0008, issue 25 item 8), and each binds
/// to the form it should: an async lambda, a lambda returning a Task and a Task method group to the Task form; a lambda
/// or method group returning a ValueTask to the ValueTask form. Compiled with Roslyn against the built assemblies, so an
/// ambiguity (CS0121) or a form that stopped compiling (CS0029, CS1662) fails here, not in a user's build.
/// </summary>
public class BodyOverloadResolutionTests
{
    // Each case is one statement in an async method that can see: rx (ReceiveChannel<int>), n (Nursery), scope
    // (CancelScope), token (CancellationToken), services (IServiceCollection), TaskMethod / ValueTaskMethod (method groups).
    public static TheoryData<string, string> Cases => new()
    {
        { "await CancelScope.FailAfter(TimeSpan.FromSeconds(1), () => rx.ReceiveAsync());", "ValueTask" },
        { "await CancelScope.FailAfter(TimeSpan.FromSeconds(1), async () => await rx.ReceiveAsync());", "Task" },
        { "await CancelScope.FailAfter(TimeSpan.FromSeconds(1), () => Task.CompletedTask);", "Task" },
        { "await CancelScope.FailAfter(TimeSpan.FromSeconds(1), () => Task.FromResult(1));", "Task" },
        { "await CancelScope.FailAfter(TimeSpan.FromSeconds(1), async () => { await Checkpoint.YieldAsync(); });", "Task" },
        { "await CancelScope.FailAfter(TimeSpan.FromSeconds(1), Checkpoint.YieldAsync);", "ValueTask" },
        { "await CancelScope.FailAfter(TimeSpan.FromSeconds(1), TaskMethod);", "Task" },
        { "await CancelScope.FailAfter(TimeSpan.FromSeconds(1), ValueTaskMethod);", "ValueTask" },
        { "await CancelScope.FailAt(Time.Now + TimeSpan.FromSeconds(1), () => Time.SleepAsync(TimeSpan.FromSeconds(2)));", "ValueTask" },
        { "await scope.RunAsync(() => rx.ReceiveAsync());", "ValueTask" },
        { "await scope.RunAsync(async () => await rx.ReceiveAsync());", "Task" },
        { "await Nursery.RunAsync(async nursery => { await Checkpoint.YieldAsync(); return 1; });", "Task" },
        { "await Nursery.RunAsync(nursery => ValueTask.FromResult(1));", "ValueTask" },
        { "await Nursery.RunAsync(nursery => Task.FromResult(1));", "Task" },
        { "await Nursery.RunAsync(nursery => Task.CompletedTask);", "Task" },
        { "await Nursery.RunAsync(async nursery => { await Task.Yield(); });", "Task" },
        { "await Nursery.RunAsync(nursery => Task.CompletedTask, token);", "Task" },
        { "await Nursery.RunAsync(nursery => ValueTask.CompletedTask, token);", "ValueTask" },
        { "await Nursery.RunAsync(async nursery => { await Task.Yield(); }, token);", "Task" },
        { "await n.StartAsync(async started => { started.Started(); await Task.Yield(); });", "Task" },
        { "await n.StartAsync(started => { started.Started(); return ValueTask.CompletedTask; });", "ValueTask" },
        { "await n.StartAsync<int>(async started => { started.Started(1); await Task.Yield(); });", "Task" },
        { "await n.StartAsync<int>(started => { started.Started(1); return ValueTask.CompletedTask; });", "ValueTask" },
        { "n.StartSoon(() => Time.SleepForeverAsync());", "ValueTask" },
        { "n.StartSoon(async () => await Time.SleepForeverAsync());", "Task" },
        { "n.StartSoon(ct => Task.Delay(1, ct));", "Task" },
        { "n.StartSoon(TaskMethod);", "Task" },
        { "Loop.Run(async () => await Task.Yield());", "Task" },
        { "Loop.Run(() => Checkpoint.YieldAsync());", "ValueTask" },
        { "int five = Loop.Run(async () => { await Task.Yield(); return 5; });", "Task" },
        { "int five = Loop.Run(() => ValueTask.FromResult(5));", "ValueTask" },
        { "TestLoop.Run(async () => await Checkpoint.YieldAsync());", "Task" },
        { "TestLoop.Run(() => Checkpoint.YieldAsync());", "ValueTask" },
        { "ConcurrencyProperty.ForAll(async () => await Checkpoint.YieldAsync(), runs: 1);", "Task" },
        { "ConcurrencyProperty.ForAll(() => Checkpoint.YieldAsync(), runs: 1);", "ValueTask" },
        { "int got = FromThread.Run(() => rx.ReceiveAsync());", "ValueTask" },
        { "FromThread.Run(async () => await Task.Yield());", "Task" },
        { "await Signals.CancelOnTerminationAsync(async () => await Task.Yield());", "Task" },
        { "await Signals.CancelOnTerminationAsync(() => Time.SleepForeverAsync());", "ValueTask" },
        { "services.AddStructuredService(\"s\", async (nursery, ct) => await Task.Delay(1, ct));", "Task" },
        { "services.AddStructuredService(\"s\", (nursery, ct) => ValueTask.CompletedTask);", "ValueTask" },
        { "services.AddStructuredService(\"s\", async nursery => await Task.Yield());", "Task" },
        { "services.AddStructuredService(\"s\", (provider, nursery, ct) => Time.SleepForeverAsync());", "ValueTask" },
        { "await Tcp.ServeAsync(async stream => await stream.FlushAsync(), 0);", "Task" },
        { "await Tcp.ServeAsync(stream => stream.WriteAsync(new byte[1]), 0);", "ValueTask" },
    };

    static readonly Lazy<MetadataReference[]> s_references = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First());
        var references = new List<MetadataReference>();
        foreach (var path in paths)
        {
            try
            {
                AssemblyName.GetAssemblyName(path); // skips native libraries
                references.Add(MetadataReference.CreateFromFile(path));
            }
            catch (BadImageFormatException)
            {
            }
        }
        return [.. references];
    });

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_common_call_form_compiles_and_binds_to_the_expected_body_form(string statement, string expected)
    {
        string source = $$"""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.DependencyInjection;
            using Structured;
            using Structured.Testing;

            static class Case
            {
                static Task TaskMethod() => Task.CompletedTask;
                static ValueTask ValueTaskMethod() => ValueTask.CompletedTask;

                static async Task Run(ReceiveChannel<int> rx, Nursery n, CancelScope scope, CancellationToken token, IServiceCollection services)
                {
                    {{statement}}
                }
            }
            """;
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create("BodyOverloadCase", [tree], s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, $"`{statement}` does not compile:\n{string.Join('\n', errors)}");

        var model = compilation.GetSemanticModel(tree);
        var body = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == "Run").Body!;
        // The statement's outermost call: the one of Structured.
        var call = body.DescendantNodes().OfType<InvocationExpressionSyntax>().First();
        var method = Assert.IsAssignableFrom<IMethodSymbol>(model.GetSymbolInfo(call).Symbol);
        var bodyParameter = method.Parameters.Single(p => p.Type is INamedTypeSymbol { DelegateInvokeMethod: { } invoke }
            && invoke.ReturnType.Name is "Task" or "ValueTask");
        var returns = ((INamedTypeSymbol)bodyParameter.Type).DelegateInvokeMethod!.ReturnType;
        Assert.True(expected == returns.Name, $"`{statement}` binds to {method} (a {returns.Name} body), expected the {expected} form");
    }
}
