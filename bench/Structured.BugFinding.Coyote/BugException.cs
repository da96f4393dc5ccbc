namespace BugFinding.Coyote;

/// <summary>What a port throws when its bug shows.</summary>
public sealed class BugException(string message) : Exception(message);
