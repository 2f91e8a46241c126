namespace DiMaskDino.Coco.Json;

/// <summary>
/// A read-only view of a JSON stream in which every run of whitespace outside strings is cut to at most
/// <see cref="MaxRun"/> bytes. System.Text.Json keeps a token's preceding whitespace in its buffer until the token is
/// complete (after a comma between properties it even rolls back to the comma), so a long run would grow the buffer to
/// the run's size; cut, it cannot. Meaning is unchanged: whitespace between tokens is insignificant. Newlines that
/// are cut are counted, so an error's line number can be given in the original file (<see cref="OriginalLine"/>).
/// Disposing it leaves the underlying stream open.
/// </summary>
internal sealed class JsonWhitespaceLimiter(Stream inner) : Stream
{
    public const int MaxRun = 4096;

    private static readonly System.Buffers.SearchValues<byte> Whitespace = System.Buffers.SearchValues.Create(" \t\r\n"u8);
    private static readonly System.Buffers.SearchValues<byte> Special = System.Buffers.SearchValues.Create("\" \t\r\n"u8);

    private readonly byte[] _chunk = new byte[64 * 1024];
    private readonly List<(long EmittedLine, long DroppedSoFar)> _drops = [];
    private int _next;
    private int _end;
    private bool _inString;
    private bool _escaped;
    private long _run;
    private long _emittedLines;
    private long _droppedLines;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>The 0-based line of the original stream that 0-based line <paramref name="emittedLine"/> of this view is on.</summary>
    public long OriginalLine(long emittedLine)
    {
        var dropped = 0L;
        foreach (var (line, droppedSoFar) in _drops)
        {
            if (line > emittedLine)
            {
                break;
            }

            dropped = droppedSoFar;
        }

        return emittedLine + dropped;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var written = 0;
        while (written < buffer.Length)
        {
            if (_next == _end && !Fill())
            {
                break;
            }

            written += Copy(buffer[written..]);
        }

        _position += written;
        return written;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private bool Fill()
    {
        _next = 0;
        _end = inner.Read(_chunk, 0, _chunk.Length);
        return _end > 0;
    }

    /// <summary>Moves bytes of the current chunk to <paramref name="target"/>, dropping whitespace past the limit.</summary>
    private int Copy(Span<byte> target)
    {
        var written = 0;
        while (_next < _end && written < target.Length)
        {
            var rest = _chunk.AsSpan(_next, Math.Min(_end - _next, target.Length - written));
            int taken;
            if (_inString)
            {
                taken = CopyString(rest, target[written..]);
            }
            else if (_run >= MaxRun)
            {
                // Past the limit: skip the rest of the run, counting its newlines.
                var skip = rest.IndexOfAnyExcept(Whitespace);
                var skipped = skip < 0 ? rest : rest[..skip];
                Drop(skipped.Count((byte)'\n'));
                _next += skipped.Length;
                _run = skip < 0 ? _run + skipped.Length : 0; // a token follows: the run is over
                continue;
            }
            else
            {
                taken = CopyOutside(rest, target[written..]);
            }

            _next += taken;
            written += taken;
        }

        return written;
    }

    /// <summary>Inside a string: everything up to and including its closing quote is passed on unchanged.</summary>
    private int CopyString(ReadOnlySpan<byte> source, Span<byte> target)
    {
        var i = 0;
        while (i < source.Length)
        {
            if (_escaped)
            {
                _escaped = false;
                i++;
                continue;
            }

            var special = source[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (special < 0)
            {
                i = source.Length;
                break;
            }

            i += special + 1;
            if (source[i - 1] == (byte)'\\')
            {
                _escaped = true;
            }
            else
            {
                _inString = false;
                break;
            }
        }

        source[..i].CopyTo(target);
        return i;
    }

    /// <summary>Outside strings: tokens are passed on; whitespace counts towards the run, which ends at the limit.</summary>
    private int CopyOutside(ReadOnlySpan<byte> source, Span<byte> target)
    {
        var i = 0;
        while (i < source.Length && _run < MaxRun && !_inString)
        {
            if (_run > 0)
            {
                // In a run: take whitespace up to the limit.
                var span = source[i..];
                var end = span.IndexOfAnyExcept(Whitespace);
                var length = (int)Math.Min(end < 0 ? span.Length : end, MaxRun - _run);
                _emittedLines += span[..length].Count((byte)'\n');
                _run += length;
                i += length;
                if (end >= 0 && end == length)
                {
                    _run = 0; // the run ended within the limit
                }

                continue;
            }

            var next = source[i..].IndexOfAny(Special);
            if (next < 0)
            {
                i = source.Length;
                break;
            }

            i += next;
            if (source[i] == (byte)'"')
            {
                _inString = true;
                i++;
            }
            else
            {
                _run = 1;
                _emittedLines += source[i] == (byte)'\n' ? 1 : 0;
                i++;
            }
        }

        source[..i].CopyTo(target);
        return i;
    }

    private void Drop(int newlines)
    {
        if (newlines == 0)
        {
            return;
        }

        _droppedLines += newlines;
        if (_drops.Count > 0 && _drops[^1].EmittedLine == _emittedLines)
        {
            _drops[^1] = (_emittedLines, _droppedLines);
        }
        else
        {
            _drops.Add((_emittedLines, _droppedLines));
        }
    }
}
