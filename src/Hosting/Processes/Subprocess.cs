using System.ComponentModel;
using System.Diagnostics;

namespace Structured;

/// <summary>
/// Runs child processes whose lifetime is bounded by the cancel scope (Trio's <c>run_process</c>): when the code is
/// cancelled, the whole process tree is killed and waited for, so no orphan survives the call.
/// </summary>
/// <example>
/// <code>
/// var result = await Subprocess.RunAsync("git", "rev-parse", "HEAD");
/// Console.WriteLine(result.StandardOutput.Trim());
///
/// // Gives up, kills the build and everything it started, after a minute:
/// await CancelScope.FailAfter(TimeSpan.FromMinutes(1), () => Subprocess.RunAsync("make", "-j8"));
/// </code>
/// </example>
public static class Subprocess
{
    // After the kill, how long to wait for the process to be reaped before giving up (a process stuck in the kernel).
    static readonly TimeSpan ReapTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/> and returns its exit code and output, once it
    /// has exited and both output streams are closed.
    /// </summary>
    /// <param name="fileName">The program: a path, or a name looked up in <c>PATH</c>.</param>
    /// <param name="arguments">The arguments, each passed as is (no shell quoting).</param>
    /// <returns>The exit code and the captured standard output and error. A non-zero exit code is not an error.</returns>
    /// <exception cref="ArgumentException"><paramref name="fileName"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="arguments"/> is null.</exception>
    /// <exception cref="Win32Exception">The program could not be started (not found, not executable).</exception>
    /// <exception cref="Cancelled">The code was cancelled: the process tree was killed and reaped before this was thrown.</exception>
    public static Task<SubprocessResult> RunAsync(string fileName, params string[] arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        return RunAsync(new ProcessStartInfo(fileName, arguments));
    }

    /// <summary>
    /// Runs the process described by <paramref name="startInfo"/>, writes <paramref name="standardInput"/> to it, and
    /// returns its exit code and output once it has exited and both output streams are closed.
    /// </summary>
    /// <param name="startInfo">
    /// The program, arguments, working directory and environment. Its redirection and shell settings are overridden:
    /// standard output and error are always captured, standard input is redirected, and the shell is not used.
    /// </param>
    /// <param name="standardInput">Text for the process's standard input, which is closed afterwards; null (the default) closes it at once.</param>
    /// <returns>The exit code and the captured standard output and error. A non-zero exit code is not an error.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="startInfo"/> is null.</exception>
    /// <exception cref="Win32Exception">The program could not be started (not found, not executable).</exception>
    /// <exception cref="Cancelled">The code was cancelled: the process tree was killed and reaped before this was thrown.</exception>
    /// <remarks>
    /// <para><b>Cancellation.</b> Entering is a checkpoint. When the code is cancelled while the process runs, the process
    /// and every process it started are killed (<see cref="Process.Kill(bool)"/> with the entire tree), the call waits
    /// until the process has exited and (on Linux) every descendant is dead, shielded from the cancellation for at most
    /// 10 seconds, and then throws the cancellation. The output read so far is dropped.</para>
    /// <para>A background process that keeps the output pipes open keeps the call waiting, as with any shell: the
    /// call returns once the output is closed.</para>
    /// </remarks>
    public static async Task<SubprocessResult> RunAsync(ProcessStartInfo startInfo, string? standardInput = null)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        Checkpoint.ThrowIfCancelled();
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = true;
        using var process = new Process { StartInfo = startInfo };
        process.Start();
        try
        {
            string output = "", error = "";
            await Nursery.RunAsync(async io =>
            {
                io.StartSoon(async token => output = await process.StandardOutput.ReadToEndAsync(token), "subprocess stdout");
                io.StartSoon(async token => error = await process.StandardError.ReadToEndAsync(token), "subprocess stderr");
                io.StartSoon(token => WriteInputAsync(process, standardInput, token), "subprocess stdin");
                await process.WaitForExitAsync(CancelScope.CurrentToken);
            });
            return new SubprocessResult(process.ExitCode, output, error);
        }
        finally
        {
            await KillTreeAsync(process);
        }
    }

    static async Task WriteInputAsync(Process process, string? input, CancellationToken token)
    {
        var stdin = process.StandardInput;
        try
        {
            if (!string.IsNullOrEmpty(input))
            {
                await stdin.WriteAsync(input.AsMemory(), token);
                await stdin.FlushAsync(token);
            }
        }
        catch (IOException)
        {
            // The process exited (or closed its input) before reading everything: not the caller's error.
        }
        finally
        {
            try
            {
                stdin.Close();
            }
            catch (IOException)
            {
                // Same: a broken pipe while flushing the last bytes.
            }
        }
    }

    /// <summary>Kills the process and its descendants if it still runs, and waits until it is reaped; shielded, bounded.</summary>
    static async Task KillTreeAsync(Process process)
    {
        bool exited;
        try
        {
            exited = process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return; // never started
        }
        if (exited)
            return;
        var descendants = ProcessTree.Descendants(process.Id);
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or AggregateException)
        {
            // It exited between the check and the kill, or part of the tree was gone already: the wait below settles it.
        }
        var reap = new CancelScope(deadline: Time.Now + ReapTimeout, shield: true);
        await reap.RunAsync(async () =>
        {
            await process.WaitForExitAsync(CancelScope.CurrentToken);
            // SIGKILL cannot be ignored, but a killed grandchild dies only once it is next scheduled; it is not our
            // child to wait for, so poll until it runs no more.
            foreach (int pid in descendants)
            {
                while (!ProcessTree.IsDead(pid))
                    await Time.SleepAsync(TimeSpan.FromMilliseconds(2));
            }
        });
    }
}
