namespace Chat;

/// <summary>A line on its way through the room: a message of <paramref name="From"/>, or a notice (joined, left).</summary>
/// <param name="From">The member who sent it; it is not sent back to them.</param>
/// <param name="Text">The message text, or the notice's text.</param>
/// <param name="IsNotice">Whether it is a notice, shown as "* text" instead of "nick: text".</param>
internal sealed record ChatLine(ChatMember From, string Text, bool IsNotice)
{
    /// <summary>The line as clients see it.</summary>
    public string Render() => IsNotice ? "* " + Text : $"{From.Nickname}: {Text}";
}
