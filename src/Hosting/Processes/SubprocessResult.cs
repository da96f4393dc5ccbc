namespace Structured;

/// <summary>What a finished subprocess left: its exit code and everything it wrote.</summary>
/// <param name="ExitCode">The process's exit code (on Unix, 128 + the signal number for a process killed by a signal).</param>
/// <param name="StandardOutput">Everything the process wrote to standard output.</param>
/// <param name="StandardError">Everything the process wrote to standard error.</param>
public sealed record SubprocessResult(int ExitCode, string StandardOutput, string StandardError);
