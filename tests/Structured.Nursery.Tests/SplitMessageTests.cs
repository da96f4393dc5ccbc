namespace NurseryTests;

/// <summary>The parts of <c>Split</c> have messages of their own, not the whole group's (which lists the other part's errors too).</summary>
public class SplitMessageTests
{
    [Fact]
    public void Each_part_of_a_split_names_only_its_own_errors()
    {
        var group = new AggregateException("the nursery failed", new FormatException("bad input"), new AggregateException(new TimeoutException("slow peer")), new TimeoutException("slow disk"));
        var (timeouts, others) = group.Split<TimeoutException>();
        Assert.StartsWith("The 2 errors of a group that matched the split.", timeouts!.Message, StringComparison.Ordinal);
        Assert.Contains("slow disk", timeouts.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bad input", timeouts.Message, StringComparison.Ordinal);
        Assert.StartsWith("The error of a group that did not match the split.", others!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("slow", others.Message, StringComparison.Ordinal);
    }
}
