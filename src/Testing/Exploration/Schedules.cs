using FsCheck;
using FsCheck.Fluent;

namespace Structured.Testing;

/// <summary>
/// FsCheck support for schedules: an <see cref="Arbitrary{T}"/> of <see cref="Schedule"/> for
/// properties that take a schedule as an argument.
/// </summary>
/// <example>
/// <code>
/// [Property(Arbitrary = new[] { typeof(Schedules) })]
/// public void Counter_never_loses_an_update(Schedule schedule)
///     => TestLoop.Run(CounterScenario, schedule);  // a failure is reported with the shrunk schedule's replay line
/// </code>
/// </example>
public static class Schedules
{
    /// <summary>The longest list of choices <see cref="Arbitrary"/> generates.</summary>
    public const int MaxGeneratedChoices = 64;

    /// <summary>
    /// An FsCheck <see cref="Arbitrary{T}"/> of <see cref="Schedule"/>: lists of choices
    /// (<see cref="Schedule.FromChoices"/>) of up to FsCheck's size (at most <see cref="MaxGeneratedChoices"/>),
    /// mostly FIFO (0) with some small departures (1 to 3). Its shrinker moves toward FIFO: shorter lists,
    /// fewer departures, smaller choices, so a failure is reported as the smallest departure from FIFO
    /// that still fails.
    /// </summary>
    /// <returns>A new arbitrary; it generates <see cref="Schedule.FromChoices"/> schedules only, and shrinks any schedule (a seeded one to <see cref="Schedule.Fifo"/>).</returns>
    public static Arbitrary<Schedule> Arbitrary() => Arb.From(Generator(), Shrink);

    static Gen<Schedule> Generator()
    {
        var choice = Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Choose(1, 3)));
        return Gen.Sized(size =>
            from length in Gen.Choose(0, Math.Clamp(size, 1, MaxGeneratedChoices))
            from choices in Gen.ArrayOf(choice, length)
            select Schedule.FromChoices(choices));
    }

    static IEnumerable<Schedule> Shrink(Schedule schedule)
    {
        switch (schedule)
        {
            case ChoicesSchedule choices:
                foreach (var smaller in ScheduleShrinker.Candidates(choices.Choices))
                    yield return Schedule.FromChoices(smaller);
                break;
            case RecordingSchedule or ExplorationSchedule:
                break;
            default:
                if (!ReferenceEquals(schedule, Schedule.Fifo))
                    yield return Schedule.Fifo;
                break;
        }
    }
}
