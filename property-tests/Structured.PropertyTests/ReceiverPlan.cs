namespace PropertyTests;

/// <summary>A generated receiver: receives until the end of the channel, sleeping <see cref="PauseMs"/> ms before each receive, in a scope with an optional deadline; closes its end early after <see cref="CloseAfter"/> items when set.</summary>
public sealed record ReceiverPlan(int PauseMs, int? DeadlineMs, int? CloseAfter);
