// A program that takes Structured from NuGet packages (Structured, Structured.Testing, Structured.Hosting)
// and uses each of them once. CI restores it from the freshly packed packages and runs it.
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Structured;
using Structured.Testing;

foreach (var type in new[] { typeof(Loop), typeof(Nursery), typeof(MemoryChannel), typeof(TestLoop), typeof(Tcp) })
{
    var assembly = type.Assembly;
    var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
    Console.WriteLine($"loaded {assembly.GetName().Name} {version}");
}

// Structured (Loop, Nursery, Channels): a producer and a consumer in a nursery, under a deadline.
var clock = new VirtualClock { AutojumpThreshold = TimeSpan.Zero };
var received = Loop.Run(async () =>
{
    var (send, receive) = MemoryChannel.Create<int>(capacity: 1);
    var items = new List<int>();
    var scope = CancelScope.MoveOnAfter(TimeSpan.FromSeconds(30));
    await scope.RunAsync(async () =>
    {
        await Nursery.RunAsync(async nursery =>
        {
            nursery.StartSoon(async () =>
            {
                await using (send)
                    for (int i = 1; i <= 5; i++)
                    {
                        await Time.SleepAsync(TimeSpan.FromSeconds(1));
                        await send.SendAsync(i);
                    }
            }, "producer");
            await foreach (var item in receive)
                items.Add(item);
        });
    });
    Console.WriteLine($"Structured: received [{string.Join(", ", items)}] in {Time.Now.TotalSeconds:0} virtual seconds; deadline hit: {scope.CancelledCaught}");
    return items.Count;
}, new LoopOptions { Clock = clock });

// Structured.Testing: a counter guarded by an AsyncLock holds under many explored schedules.
ConcurrencyProperty.ForAll(async () =>
{
    var gate = new AsyncLock();
    int count = 0;
    await Nursery.RunAsync(async nursery =>
    {
        for (int t = 0; t < 3; t++)
            nursery.StartSoon(async () =>
            {
                using (await gate.AcquireAsync())
                {
                    int seen = count;
                    await Checkpoint.YieldAsync();
                    count = seen + 1;
                }
            }, $"incrementer {t}");
    });
    if (count != 3)
        throw new InvalidOperationException($"lost an update: {count}");
}, runs: 50, seed: 1);
Console.WriteLine("Structured.Testing: 50 explored schedules, no lost update");

// Structured.Hosting: a structured service that stops the host when it is done.
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
builder.Services.AddStructuredService("once", async nursery => await Time.SleepAsync(TimeSpan.FromMilliseconds(10)),
    options => options.StopHostWhenDone = true);
int exitCode = await builder.Build().RunStructuredAsync();
Console.WriteLine($"Structured.Hosting: service ran, host exit code {exitCode}");

bool ok = received == 5 && exitCode == 0;
Console.WriteLine(ok ? "package consumer: ok" : "package consumer: FAILED");
return ok ? 0 : 1;
