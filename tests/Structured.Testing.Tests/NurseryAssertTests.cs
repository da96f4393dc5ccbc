using Structured.Testing;

namespace TestingTests;

public class NurseryAssertTests
{
    [Fact]
    public void HasShape_accepts_the_exact_shape_of_a_nursery_error_and_returns_the_aggregate()
    {
        var error = Run(async () => await Catch(() => Nursery.RunAsync(async n =>
        {
            n.StartSoon(async () => throw new TimeoutException("slow"));
            await Nursery.RunAsync(async inner => inner.StartSoon(async () => throw new IOException("reset")));
        })));
        var aggregate = NurseryAssert.HasShape(error, "[TimeoutException, [IOException]]");
        Assert.Equal(2, aggregate.InnerExceptions.Count);
    }

    [Fact]
    public void HasShape_fails_with_both_shapes_in_the_message()
    {
        var error = new AggregateException(new IOException("x"));
        var e = Assert.Throws<NurseryAssertException>(() => NurseryAssert.HasShape(error, "[TimeoutException]"));
        Assert.Contains("[TimeoutException]", e.Message);
        Assert.Contains("[IOException]", e.Message);
        Assert.Throws<NurseryAssertException>(() => NurseryAssert.HasShape(null, "[IOException]"));
        Assert.Throws<NurseryAssertException>(() => NurseryAssert.HasShape(new IOException("plain"), "[IOException]"));
        Assert.Throws<ArgumentNullException>(() => NurseryAssert.HasShape(error, null!));
    }
}
