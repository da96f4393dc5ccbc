// The meter and the activity source are process-wide, and so is every MeterListener and ActivityListener: a loop of
// another test running at the same time would add to the counts. No test of this assembly runs alongside another
// (each test project is a process of its own), so every count asserted here is exact.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
