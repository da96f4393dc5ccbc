using System.Threading.Channels;

namespace ChannelsTests;

/// <summary>The views (<c>AsWriter</c>, <c>AsReader</c>) of a buffered memory channel meet System.Threading.Channels' contract.</summary>
public sealed class MemoryBufferedViewContractTests : ChannelViewContractTests
{
    private protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) Create()
    {
        var (send, receive) = MemoryChannel.Create<int>(2);
        return (send.AsWriter(), receive.AsReader());
    }
}
