// A TCP chat server built with Structured: each client is a child task, broadcasts go through memory channels, slow
// clients are dropped without slowing the others, and shutdown delivers what was accepted.
//
//   dotnet run --project samples/ChatServer                  the demo: server, scripted clients, clean shutdown
//   dotnet run --project samples/ChatServer -- server        a real server on a host (stop it with Ctrl+C or SIGTERM)
//   dotnet run --project samples/ChatServer -- server --port 5555
//   dotnet run --project samples/ChatServer -- --telemetry   either of the above with Structured's metrics and traces
//                                                           on the console (OpenTelemetry's console exporter)
//
// Talk to the server with `nc 127.0.0.1 <port>`: first line your nickname, then messages.
using System.Globalization;
using Chat;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Structured;

bool telemetry = args.Contains("--telemetry");
switch (args.Where(arg => arg != "--telemetry").ToArray())
{
    case [] or ["demo"]:
        return RunDemo(telemetry);
    case ["server", .. var rest]:
        return await RunServerAsync(rest, telemetry);
    default:
        Console.Error.WriteLine("usage: ChatServer [demo] [--telemetry] | server [--port N] [--telemetry]");
        return 2;
}

static int RunDemo(bool telemetry)
{
    using var exporters = telemetry ? ConsoleTelemetry.StartForDemo() : null;
    Console.WriteLine("Structured chat demo: a TCP chat server, four scripted clients, a slow one dropped, a clean shutdown. Ctrl+C stops it early.");
    Console.WriteLine();
    Loop.Run(async () =>
    {
        // The first Ctrl+C (or SIGTERM) cancels everything inside: finally blocks run, sockets close. A second Ctrl+C exits at once.
        var signal = await Signals.CancelOnTerminationAsync(Demo.RunAsync);
        if (signal is not null)
            Console.WriteLine($"\ninterrupted by {signal}: every task was cancelled and every socket closed.");
    });
    return 0;
}

static async Task<int> RunServerAsync(string[] args, bool telemetry)
{
    int port = args is ["--port", var text] ? int.Parse(text, CultureInfo.InvariantCulture) : 0;
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.ClearProviders();
    builder.Logging.AddSimpleConsole(options => options.SingleLine = true);
    builder.Services.AddSingleton(new ChatServerOptions { Port = port, Log = line => Console.WriteLine($"server | {line}") });
    builder.Services.AddSingleton<ChatServer>();
    // The host's stop (SIGTERM, Ctrl+C) is the soft phase: the server drains; HostOptions.ShutdownTimeout bounds it.
    builder.Services.AddStructuredService<ChatService>();
    if (telemetry)
        ConsoleTelemetry.AddTo(builder.Services);
    var host = builder.Build();
    var server = host.Services.GetRequiredService<ChatServer>();
    int exitCode = await host.RunStructuredAsync();
    Console.WriteLine($"stopped: {server.Statistics}");
    return exitCode;
}
