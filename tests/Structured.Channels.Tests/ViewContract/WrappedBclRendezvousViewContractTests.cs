using System.Threading.Channels;

namespace ChannelsTests;

/// <summary>
/// A rendezvous System.Threading.Channels channel wrapped as ours (<c>MemoryChannel.FromChannel</c>) and seen again as
/// theirs (<c>AsWriter</c>, <c>AsReader</c>): the round trip meets System.Threading.Channels' contract, so the wrappers
/// really drive the wrapped channel's own operations.
/// </summary>
public sealed class WrappedBclRendezvousViewContractTests : ChannelViewContractTests
{
    protected override bool BuffersItems => false;

    private protected override (ChannelWriter<int> Writer, ChannelReader<int> Reader) Create()
    {
        var (send, receive) = MemoryChannel.FromChannel(Channel.CreateBounded<int>(0));
        return (send.AsWriter(), receive.AsReader());
    }
}
