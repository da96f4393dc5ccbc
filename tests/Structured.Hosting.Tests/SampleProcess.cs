using System.Collections.Concurrent;
using System.Diagnostics;

namespace HostingTests;

/// <summary>The built chat server sample (ChatServer.dll, copied next to the tests) running as a process of its own.</summary>
internal sealed class SampleProcess : IDisposable
{
    readonly Process _process;
    readonly ConcurrentQueue<string> _output = new();
    readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    SampleProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public string Output => string.Join("\n", _output);

    public int ExitCode => _process.ExitCode;

    public static SampleProcess Start(params string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ChatServer.dll");
        var startInfo = new ProcessStartInfo(DotnetHost(), [dll, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var sample = new SampleProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) sample._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) sample._output.Enqueue("stderr: " + e.Data); };
        process.Exited += (_, _) => sample._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sample;
    }

    /// <summary>Waits (real time) for an output line containing <paramref name="text"/> and returns it.</summary>
    public string WaitForLine(string text, TimeSpan timeout)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_output.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
                return line;
            if (_process.HasExited || Stopwatch.GetTimestamp() >= until)
                break;
            Thread.Sleep(10);
        }
        throw new TimeoutException($"the sample did not print \"{text}\" within {timeout}; output so far:\n{Output}");
    }

    /// <summary>Waits for the process to exit and for its output to be read to the end.</summary>
    public void WaitForExit(TimeSpan timeout)
    {
        if (!_exited.Task.Wait(timeout))
            throw new TimeoutException($"the sample did not exit within {timeout}; output so far:\n{Output}");
        _process.WaitForExit(); // flushes the asynchronous output readers
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    /// <summary>
    /// The dotnet host: DOTNET_HOST_PATH (set by the SDK), this process if it is dotnet, the one beside the running
    /// runtime (…/dotnet/shared/Microsoft.NETCore.App/10.x/), else dotnet from PATH.
    /// </summary>
    static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host)
            return host;
        if (Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet")
            return path;
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var beside = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(beside) ? beside : "dotnet";
    }
}
