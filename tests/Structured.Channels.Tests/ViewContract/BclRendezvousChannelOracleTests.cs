using System.Threading.Channels;

namespace ChannelsTests;

/// <summary>The oracle: System.Threading.Channels' rendezvous channel (capacity 0) meets the contract that our views are held to.</summary>
public sealed class BclRendezvousChannelOracleTests : ChannelViewContractTests
{
    protected override bool BuffersItems => false;

    private protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) Create()
    {
        var channel = Channel.CreateBounded<int>(0);
        return (channel.Writer, channel.Reader);
    }
}
