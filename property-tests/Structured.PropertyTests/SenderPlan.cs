namespace PropertyTests;

/// <summary>A generated sender: sends <see cref="Items"/> items, sleeping <see cref="PauseMs"/> ms before each, in a scope with an optional deadline; with <see cref="UsesTrySend"/> it tries <c>TrySend</c> first.</summary>
public sealed record SenderPlan(int Items, int PauseMs, int? DeadlineMs, bool UsesTrySend);
