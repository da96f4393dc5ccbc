// Runs the runtime packages under Native AOT: a pipeline over a memory channel on the Loop, a deadline,
// an error that cancels its siblings, work on a thread and back, and a structured hosted service.
// CI publishes it with Native AOT and checks that it prints "aot sample: ok" and exits 0.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Structured;

var clock = new VirtualClock { AutojumpThreshold = TimeSpan.Zero };
int total = Loop.Run(async () =>
{
    // 1. A producer and two consumers over a rendezvous channel, in one nursery.
    var (send, receive) = MemoryChannel.Create<int>(capacity: 0);
    int sum = 0;
    await Nursery.RunAsync(async nursery =>
    {
        nursery.StartSoon(async () =>
        {
            await using (send)
            {
                for (int i = 1; i <= 10; i++)
                    await send.SendAsync(i);
            }
        }, "producer");
        for (int c = 0; c < 2; c++)
        {
            var mine = receive.Clone();
            nursery.StartSoon(async () =>
            {
                await using (mine)
                {
                    await foreach (var item in mine)
                    {
                        await Time.SleepAsync(TimeSpan.FromMilliseconds(10));
                        sum += item;
                    }
                }
            }, $"consumer {c}");
        }
        await receive.DisposeAsync();
    });
    Console.WriteLine($"1. channel pipeline: sum = {sum}, virtual time {Time.Now.TotalMilliseconds:0} ms");

    // 2. A deadline cancels a sleep that would take an hour.
    var scope = CancelScope.MoveOnAfter(TimeSpan.FromSeconds(1));
    await scope.RunAsync(async () => await Time.SleepAsync(TimeSpan.FromHours(1)));
    Console.WriteLine($"2. deadline: cancelled caught = {scope.CancelledCaught}");

    // 3. A failing child cancels its sibling; the nursery reports the error.
    try
    {
        await Nursery.RunAsync(async nursery =>
        {
            nursery.StartSoon(async () => await Time.SleepForeverAsync(), "sibling");
            nursery.StartSoon(async () =>
            {
                await Time.SleepAsync(TimeSpan.FromMilliseconds(5));
                throw new InvalidOperationException("boom");
            }, "failing child");
        });
    }
    catch (AggregateException error)
    {
        Console.WriteLine($"3. nursery error: {error.Shape()}");
    }
    return sum;
}, new LoopOptions { Clock = clock });

// 4. Off the loop: a nursery on the thread pool, with work on a worker thread.
int fromThread = 0;
await Nursery.RunAsync(async nursery =>
{
    nursery.StartSoon(async () => fromThread = await ToThread.RunAsync(() => 6 * 7), "to thread");
    await Task.CompletedTask;
});
Console.WriteLine($"4. thread pool nursery: ToThread gave {fromThread}");

// 5. A structured service on Microsoft.Extensions.Hosting that ends the host when it is done.
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
int ticks = 0;
builder.Services.AddStructuredService("ticker", async nursery =>
{
    for (; ticks < 3; ticks++)
        await Time.SleepAsync(TimeSpan.FromMilliseconds(10));
}, options => options.StopHostWhenDone = true);
int exitCode = await builder.Build().RunStructuredAsync();
Console.WriteLine($"5. hosted service: {ticks} ticks, exit code {exitCode}");

bool ok = total == 55 && fromThread == 42 && ticks == 3 && exitCode == 0;
Console.WriteLine(ok ? "aot sample: ok" : "aot sample: FAILED");
return ok ? 0 : 1;
