namespace Structured;

/// <summary>A snapshot of a <see cref="ParkingLot"/>, from <see cref="ParkingLot.Statistics"/> (Trio's <c>ParkingLot.statistics()</c>).</summary>
/// <param name="TasksWaiting">How many tasks are parked in the lot.</param>
public readonly record struct ParkingLotStatistics(int TasksWaiting);
