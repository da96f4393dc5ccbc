using System.Text;

namespace Chat;

/// <summary>
/// Reads '\n'-terminated UTF-8 lines from a stream. Unlike <c>StreamReader.ReadLineAsync</c>, it never returns a
/// partial line: text after the last '\n' when the stream ends was not received in full, and is dropped.
/// </summary>
internal sealed class LineReader(Stream stream, int maxLineLength)
{
    readonly byte[] _buffer = new byte[Math.Max(8192, maxLineLength + 1)];
    int _start, _end;

    /// <summary>Whether the stream has ended (the peer closed its side).</summary>
    public bool SawEnd { get; private set; }

    /// <summary>The next full line without its '\n' (and '\r'), or null once the stream has ended.</summary>
    /// <exception cref="InvalidDataException">A line is longer than the limit.</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    public async ValueTask<string?> ReadLineAsync()
    {
        while (true)
        {
            int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                int length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == (byte)'\r')
                    length--;
                var line = Encoding.UTF8.GetString(_buffer, _start, length);
                _start = newline + 1;
                return line;
            }
            if (SawEnd)
                return null;
            if (_end - _start > maxLineLength)
                throw new InvalidDataException($"a line longer than {maxLineLength} bytes");
            if (_end == _buffer.Length)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            int read = await stream.ReadAsync(_buffer.AsMemory(_end));
            if (read == 0)
                SawEnd = true;
            _end += read;
        }
    }

    /// <summary>Reads and drops everything until the stream ends (a lingering close: no reset for the peer).</summary>
    public async Task DiscardToEndAsync()
    {
        _start = _end = 0;
        while (!SawEnd)
        {
            if (await stream.ReadAsync(_buffer) == 0)
                SawEnd = true;
        }
    }
}
