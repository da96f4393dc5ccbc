namespace AspNetCoreTests;

internal static class Bounded
{
    /// <summary>Awaits <paramref name="task"/>, failing the test instead of hanging it past <see cref="WebService.Bound"/>.</summary>
    internal static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(WebService.Bound);

    internal static Task Within(this Task task) => task.WaitAsync(WebService.Bound);
}
