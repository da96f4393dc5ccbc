namespace PropertyTests;

/// <summary>The error a generated task throws; each instance is thrown once, so aggregates are checked by identity.</summary>
public sealed class ScenarioException(string message) : Exception(message);
