namespace Structured.Testing;

/// <summary>
/// Wraps the schedule of a <see cref="TestLoop"/> run and tells the <see cref="TraceRecorder"/> every
/// position the loop takes at a step with more than one ready callback, so that any run (a seeded one
/// too) can be replayed and shrunk as an explicit list of choices.
/// </summary>
internal sealed class RecordingSchedule(Schedule inner, TraceRecorder recorder) : Schedule
{
    internal override int? Seed => inner.Seed;

    internal override ScheduleStrategy CreateStrategy() => new RecordingStrategy(inner.CreateStrategy(), recorder);

    public override string ToString() => inner.ToString() ?? "";

    /// <summary>Never FIFO to the loop (so that it asks at every step with a choice); FIFO inside when the inner schedule is.</summary>
    sealed class RecordingStrategy(ScheduleStrategy? inner, TraceRecorder recorder) : ScheduleStrategy
    {
        public override int Choose(ReadySet ready)
        {
            int position = inner?.Choose(ready) ?? 0;
            if ((uint)position < (uint)ready.Count)
                recorder.Chose(position, ready.Count);
            return position;
        }

        public override void TaskCreated(int taskId, int creatorId) => inner?.TaskCreated(taskId, creatorId);

        public override void TaskReady(int taskId, int readiedBy) => inner?.TaskReady(taskId, readiedBy);

        public override void TaskCompleted(int taskId) => inner?.TaskCompleted(taskId);
    }
}
