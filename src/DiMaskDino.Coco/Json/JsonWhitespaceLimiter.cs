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
            if (_run >= MaxRun && !_inString)
            {
                // Past the limit: skip the rest of the run in one step, counting its newlines.
                var rest = _chunk.AsSpan(_next, _end - _next);
                var skip = rest.IndexOfAnyExcept(" \t\r\n"u8);
                var skipped = skip < 0 ? rest : rest[..skip];
                Drop(skipped.Count((byte)'\n'));
                _next += skipped.Length;
                _run += skipped.Length;
                if (skip < 0)
                {
                    break;
                }
            }

            var b = _chunk[_next++];
            target[written++] = b;
            if (_inString)
            {
                if (_escaped)
                {
                    _escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    _escaped = true;
                }
                else if (b == (byte)'"')
                {
                    _inString = false;
                }
            }
            else if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                _run++;
                if (b == (byte)'\n')
                {
                    _emittedLines++;
                }
            }
            else
            {
                _run = 0;
                _inString = b == (byte)'"';
            }
        }

        return written;
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
