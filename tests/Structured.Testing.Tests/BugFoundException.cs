namespace TestingTests;

/// <summary>What the bug scenarios throw when the bug shows.</summary>
public sealed class BugFoundException(string message) : Exception(message);
