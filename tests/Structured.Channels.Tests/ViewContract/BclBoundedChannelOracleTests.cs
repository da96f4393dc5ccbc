using System.Threading.Channels;

namespace ChannelsTests;

/// <summary>The oracle: System.Threading.Channels' bounded channel meets the contract that our views are held to.</summary>
public sealed class BclBoundedChannelOracleTests : ChannelViewContractTests
{
    private protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) Create()
    {
        var channel = Channel.CreateBounded<int>(2);
        return (channel.Writer, channel.Reader);
    }
}
