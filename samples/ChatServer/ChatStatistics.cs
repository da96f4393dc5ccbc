namespace Chat;

/// <summary>What the chat server has done so far.</summary>
/// <param name="Received">Messages read in full from clients and accepted into the room.</param>
/// <param name="Delivered">Lines written to clients (messages and notices).</param>
/// <param name="Dropped">Clients dropped for being too slow.</param>
/// <param name="OpenConnections">Connections whose task is still running.</param>
/// <param name="Members">Clients in the room now.</param>
internal sealed record ChatStatistics(long Received, long Delivered, long Dropped, int OpenConnections, int Members)
{
    public override string ToString()
        => $"received={Received} delivered={Delivered} dropped={Dropped} open={OpenConnections} members={Members}";
}
