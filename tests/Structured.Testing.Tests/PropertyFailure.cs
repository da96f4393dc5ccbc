namespace TestingTests;

/// <summary>The report of an exploration that must fail: what every test of a ForAll failure starts from.</summary>
internal static class PropertyFailure
{
    /// <summary>
    /// Runs <paramref name="explore"/> (a ConcurrencyProperty.ForAll call) on a fresh thread and returns the
    /// <see cref="ConcurrencyPropertyException"/> it throws; fails the test with <paramref name="whenPassed"/> if it passes.
    /// </summary>
    internal static ConcurrencyPropertyException Of(Action explore, string whenPassed)
        => OnFreshThread(() =>
        {
            try
            {
                explore();
            }
            catch (ConcurrencyPropertyException e)
            {
                return e;
            }
            throw new Xunit.Sdk.XunitException(whenPassed);
        });
}
