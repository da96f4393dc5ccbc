namespace PropertyTests;

/// <summary>
/// The CI budget of the properties: how many cases FsCheck generates for each. Each case runs one scenario
/// on a TestLoop under a generated schedule (a few milliseconds), so the whole project stays well under a minute.
/// </summary>
internal static class Budget
{
    /// <summary>Cases per property.</summary>
    internal const int Cases = 300;

    /// <summary>Cases for the costlier scenarios (many tasks, many steps).</summary>
    internal const int HeavyCases = 200;
}
