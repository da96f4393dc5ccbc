namespace TestingTests;

/// <summary>What the counter scenarios throw when an increment was lost.</summary>
public sealed class LostUpdateException(int counter)
    : Exception($"lost update: counter is {counter}, expected 2");
