using System.Threading.Channels;

namespace ChannelsTests;

/// <summary>The views (<c>AsWriter</c>, <c>AsReader</c>) of an unbounded memory channel meet System.Threading.Channels' contract.</summary>
public sealed class MemoryUnboundedViewContractTests : ChannelViewContractTests
{
    protected override bool WritesCanBlock => false;

    private protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) Create()
    {
        var (send, receive) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
        return (send.AsWriter(), receive.AsReader());
    }
}
