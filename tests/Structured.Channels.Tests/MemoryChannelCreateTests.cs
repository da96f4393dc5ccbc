namespace ChannelsTests;

public sealed class MemoryChannelCreateTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_negative_capacity_throws_ArgumentOutOfRangeException(int capacity)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MemoryChannel.Create<int>(capacity));
        Assert.Equal("capacity", error.ParamName);
    }

    [Fact]
    public void Unbounded_is_the_largest_int()
    {
        Assert.Equal(int.MaxValue, MemoryChannel.Unbounded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1024)]
    [InlineData(MemoryChannel.Unbounded)]
    public void Create_works_off_the_loop_and_reports_its_capacity(int capacity)
    {
        var (s, r) = MemoryChannel.Create<object>(capacity);
        Assert.Equal(capacity, s.Statistics.Capacity);
        Assert.Equal(capacity, r.Statistics.Capacity);
        Assert.False(s.IsClosed);
        Assert.False(r.IsClosed);
    }

    [Fact]
    public void Ends_describe_themselves_for_the_debugger()
    {
        var (s, r) = MemoryChannel.Create<int>(2);
        Assert.True(s.TrySend(1));
        Assert.Contains("send end (open)", s.ToString(), StringComparison.Ordinal);
        Assert.Contains("BufferUsed = 1", r.ToString(), StringComparison.Ordinal);
        r.Close();
        Assert.Contains("receive end (closed)", r.ToString(), StringComparison.Ordinal);
    }
}
