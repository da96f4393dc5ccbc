namespace AnalyzersTests;

public sealed class STR112Tests
{
    [Fact]
    public Task APathToTheEndWithoutACheckpointIsReported() => StructuredTest.VerifyPathAsync("""
        class C
        {
            async Task {|STR112:EarlyReturn|}(bool flag)
            {
                if (flag) return;
                await Checkpoint.YieldAsync();
            }
            // Task.Delay and other libraries' awaitables ignore the cancel scope: no checkpoint.
            async Task {|STR112:OnlyForeignAwaits|}()
            {
                await Task.Delay(10);
                Checkpoint.ThrowIfCancelled();   // a cancel point, but no schedule point
            }
            async Task<int> {|STR112:CatchAfterForeignCode|}(System.IO.Stream stream)
            {
                try
                {
                    await stream.FlushAsync();
                    await Time.SleepAsync(TimeSpan.FromSeconds(1));
                }
                catch (System.IO.IOException)
                {
                    return -1;
                }
                return 0;
            }
            void Start(Nursery nursery, bool flag)
            {
                nursery.StartSoon({|STR112:async|} () =>
                {
                    if (flag) { Console.WriteLine(); }
                    else { await Checkpoint.YieldAsync(); }
                });
            }
            async Task Outer(bool flag)
            {
                await Checkpoint.YieldAsync();
                async Task {|STR112:Local|}() { if (flag) await Time.SleepAsync(TimeSpan.Zero); }
                await Local();
            }
        }
        """);

    [Fact]
    public Task AnEndlessLoopWithAnIterationWithoutACheckpointIsReported() => StructuredTest.VerifyPathAsync("""
        class C
        {
            async Task Serve(Queue<int> queue, ReceiveChannel<int> receive)
            {
                {|STR112:while|} (true)
                {
                    if (queue.TryDequeue(out var item))
                    {
                        Console.WriteLine(item);
                        continue;
                    }
                    queue.Enqueue(await receive.ReceiveAsync());
                }
            }
            async Task Spin(Func<bool> ready)
            {
                await Checkpoint.YieldAsync();
                {|STR112:for|} (;;)
                {
                    if (ready()) break;
                }
                await Checkpoint.YieldAsync();
            }
        }
        """);

    [Fact]
    public Task AYieldWithoutACheckpointSinceTheLastOneIsReported() => StructuredTest.VerifyPathAsync("""
        class C
        {
            async IAsyncEnumerable<int> Numbers(ReceiveChannel<int> receive)
            {
                yield return await receive.ReceiveAsync();
                {|STR112:yield|} return 2;
                await Checkpoint.YieldAsync();
                yield return 3;
            }
        }
        """);

    [Fact]
    public Task FunctionsThatCheckpointOnEveryPathAreNotReported() => StructuredTest.VerifyPathAsync("""
        class C
        {
            static async Task HelperAsync() => await Checkpoint.YieldAsync();
            async Task Everywhere(bool flag, SendChannel<int> send, ReceiveChannel<int> receive, Func<Task> callback)
            {
                if (flag)
                {
                    await send.SendAsync(1);
                    return;
                }
                switch (await receive.ReceiveAsync())
                {
                    case 1: await HelperAsync(); break;    // the compilation's own async code is judged itself
                    case 2: await callback(); break;       // so is a delegate's (unknown: benefit of the doubt)
                    default: throw new InvalidOperationException("paths that throw need no checkpoint");
                }
            }
            async Task Loops(ReceiveChannel<int> receive, List<int> items)
            {
                await foreach (var item in receive) { Console.WriteLine(item); }
                foreach (var item in items) { if (item > 0) Console.WriteLine(item); }  // finite loops: only the exit counts
                while (true)
                {
                    var item = await receive.ReceiveAsync();
                    if (item == 0) return;
                    if (item < 0) continue;
                }
            }
            async Task ScopeToken()
            {
                await Task.Delay(1, CancelScope.CurrentToken);
                await CancelScope.MoveOnAfter(TimeSpan.FromSeconds(1)).RunAsync(async () => await Task.Delay(10, CancelScope.CurrentToken));
            }
            // Scope and nursery bodies are part of the function around them: its await of the scope is the checkpoint.
            async Task Bodies(bool flag) => await Nursery.RunAsync(async n =>
            {
                if (flag) return;
                n.StartSoon(() => Checkpoint.YieldAsync().AsTask());
                await Checkpoint.YieldAsync();
            });
            async Task Scoped() => await CancelScope.MoveOnAfter(TimeSpan.FromSeconds(1)).RunAsync(async () => await Checkpoint.YieldAsync());
        }
        class Plain
        {
            // Names nothing of Structured: ordinary .NET code.
            async Task M(bool flag) { if (flag) return; await Task.Delay(1); }
        }
        """);

    [Fact]
    public Task TheFixInsertsACheckpointAtTheStartOfTheFunctionOrLoopOrBeforeTheYield() => StructuredTest.VerifyPathFixAsync("""
        class C
        {
            async Task {|STR112:M|}(bool flag)
            {
                if (flag) return;
                await Checkpoint.YieldAsync();
            }
            async Task Serve(Queue<int> queue, ReceiveChannel<int> receive)
            {
                {|STR112:while|} (true)
                {
                    if (queue.TryDequeue(out var item)) continue;
                    queue.Enqueue(await receive.ReceiveAsync());
                }
            }
            async IAsyncEnumerable<int> Numbers(ReceiveChannel<int> receive)
            {
                yield return await receive.ReceiveAsync();
                {|STR112:yield|} return 2;
            }
        }
        """, """
        class C
        {
            async Task M(bool flag)
            {
                await Checkpoint.YieldAsync();
                if (flag) return;
                await Checkpoint.YieldAsync();
            }
            async Task Serve(Queue<int> queue, ReceiveChannel<int> receive)
            {
                while (true)
                {
                    await Checkpoint.YieldAsync();
                    if (queue.TryDequeue(out var item)) continue;
                    queue.Enqueue(await receive.ReceiveAsync());
                }
            }
            async IAsyncEnumerable<int> Numbers(ReceiveChannel<int> receive)
            {
                yield return await receive.ReceiveAsync();
                await Checkpoint.YieldAsync();
                yield return 2;
            }
        }
        """);

    [Fact]
    public Task TheFixQualifiesCheckpointWhenTheUsingIsMissing() => new StructuredTest("""
        using System.Threading.Tasks;
        class C
        {
            async Task {|STR112:M|}() { Structured.Checkpoint.ThrowIfCancelled(); await Task.Delay(1); }
        }
        """, """
        using System.Threading.Tasks;
        using Structured;

        class C
        {
            async Task M() { await Checkpoint.YieldAsync(); Structured.Checkpoint.ThrowIfCancelled(); await Task.Delay(1); }
        }
        """).WithPathRule().RunAsync(TestContext.Current.CancellationToken);
}
