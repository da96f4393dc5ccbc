namespace Structured.Testing;

/// <summary>
/// Wraps the schedule of a <see cref="TestLoop"/> run and tells the <see cref="TraceRecorder"/> every
/// position the loop takes at a step with more than one ready callback, so that any run (a seeded one
/// too) can be replayed and shrunk as an explicit list of choices.
/// </summary>
internal sealed class RecordingSchedule(Schedule inner, TraceRecorder recorder) : Schedule
{
    internal override int? Seed => inner.Seed;

    internal override SchedulePolicy CreatePolicy() => new RecordingPolicy(inner.CreatePolicy(), recorder);

    public override string ToString() => inner.ToString() ?? "";

    /// <summary>Never FIFO to the loop (so that it asks at every step with a choice); FIFO inside when the inner schedule is.</summary>
    sealed class RecordingPolicy(SchedulePolicy inner, TraceRecorder recorder) : SchedulePolicy
    {
        internal override int Choose(int readyCount)
        {
            int position = inner.IsFifo ? 0 : inner.Choose(readyCount);
            recorder.Chose(position, readyCount);
            return position;
        }
    }
}
