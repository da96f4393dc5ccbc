using System.Threading.Channels;

namespace ChannelsTests;

/// <summary>The oracle: System.Threading.Channels' unbounded channel meets the contract that our views are held to.</summary>
public sealed class BclUnboundedChannelOracleTests : ChannelViewContractTests
{
    protected override bool WritesCanBlock => false;

    private protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) Create()
    {
        var channel = Channel.CreateUnbounded<int>();
        return (channel.Writer, channel.Reader);
    }
}
