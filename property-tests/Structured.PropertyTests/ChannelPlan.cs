namespace PropertyTests;

/// <summary>A generated channel scenario: the capacity, the senders and the extra receivers (the nursery body receives too).</summary>
public sealed record ChannelPlan(int Capacity, SenderPlan[] Senders, ReceiverPlan[] Receivers)
{
    /// <inheritdoc/>
    public override string ToString()
        => $"capacity {(Capacity == MemoryChannel.Unbounded ? "unbounded" : Capacity)}, senders [{string.Join(", ", Senders.Select(s => s.ToString()))}], receivers [{string.Join(", ", Receivers.Select(r => r.ToString()))}]";

    internal IEnumerable<ChannelPlan> Shrink()
    {
        foreach (var senders in Generators.ShrinkArray(Senders, ShrinkSender))
            yield return this with { Senders = senders };
        for (int i = 0; i < Receivers.Length; i++)
            yield return this with { Receivers = [.. Receivers[..i], .. Receivers[(i + 1)..]] };
        for (int i = 0; i < Receivers.Length; i++)
        {
            foreach (var smaller in ShrinkReceiver(Receivers[i]))
                yield return this with { Receivers = [.. Receivers[..i], smaller, .. Receivers[(i + 1)..]] };
        }
    }

    static IEnumerable<SenderPlan> ShrinkSender(SenderPlan s)
    {
        if (s.Items > 1)
            yield return s with { Items = s.Items - 1 };
        if (s.PauseMs > 0)
            yield return s with { PauseMs = 0 };
        if (s.DeadlineMs is not null)
            yield return s with { DeadlineMs = null };
        if (s.UsesTrySend)
            yield return s with { UsesTrySend = false };
    }

    static IEnumerable<ReceiverPlan> ShrinkReceiver(ReceiverPlan r)
    {
        if (r.PauseMs > 0)
            yield return r with { PauseMs = 0 };
        if (r.DeadlineMs is not null)
            yield return r with { DeadlineMs = null };
        if (r.CloseAfter is not null)
            yield return r with { CloseAfter = null };
    }
}
