namespace PropertyTests;

/// <summary>A generated lock or semaphore user: <see cref="Iterations"/> times, it yields <see cref="YieldsBefore"/> times, acquires (within <see cref="DeadlineSeconds"/> + 0.5 s when set), holds for <see cref="HoldSeconds"/> s and releases.</summary>
public sealed record WorkerPlan(int Iterations, int YieldsBefore, int HoldSeconds, int? DeadlineSeconds);
