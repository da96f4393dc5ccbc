using System.Threading.Channels;

namespace ChannelsTests;

/// <summary>The views (<c>AsWriter</c>, <c>AsReader</c>) of a rendezvous memory channel meet System.Threading.Channels' contract.</summary>
public sealed class MemoryRendezvousViewContractTests : ChannelViewContractTests
{
    protected override bool BuffersItems => false;

    private protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) Create()
    {
        var (send, receive) = MemoryChannel.Create<int>(0);
        return (send.AsWriter(), receive.AsReader());
    }
}
