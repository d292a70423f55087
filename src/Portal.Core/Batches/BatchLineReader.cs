using System.Buffers;

namespace Portal.Core.Batches;

/// <summary>
/// Reads a JSONL file one line at a time without ever holding more than the current line: one pooled buffer that
/// grows to the longest line seen, at most <c>maxLineBytes</c> (a longer line is skipped and flagged, not buffered).
/// <see cref="Line"/> is valid until the next read. Validation and the runner both read through this, so they
/// number lines and requests alike.
/// </summary>
public sealed class BatchLineReader(Stream stream, int maxLineBytes) : IDisposable
{
    private byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(64 * 1024, maxLineBytes + 1));
    private int start, end, scanned;
    private bool eof, firstLine = true;

    /// <summary>1-based physical line number of <see cref="Line"/>.</summary>
    public int LineNumber { get; private set; }
    /// <summary>The line's bytes without its line break (and without a UTF-8 byte order mark on the first line).</summary>
    public ReadOnlyMemory<byte> Line { get; private set; }
    /// <summary>False for a last line that the file ends in without a line break.</summary>
    public bool EndsWithNewline { get; private set; }
    /// <summary>The line was longer than the limit; <see cref="Line"/> is empty.</summary>
    public bool TooLong { get; private set; }

    /// <summary>True when the line holds only spaces and tabs: not a request, skipped by validation and the runner alike.</summary>
    public bool IsBlank => !TooLong && Line.Span.TrimStart(" \t"u8).IsEmpty;

    public async ValueTask<bool> ReadAsync(CancellationToken ct)
    {
        var skipping = false;
        while (true)
        {
            var newline = buffer.AsSpan(scanned, end - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var lineEnd = scanned + newline;
                Emit(skipping, start, lineEnd, endsWithNewline: true);
                start = scanned = lineEnd + 1;
                return true;
            }
            scanned = end;
            if (eof)
            {
                if (start == end && !skipping) return false;
                Emit(skipping, start, end, endsWithNewline: false);
                start = scanned = end;
                return true;
            }
            if (end - start > maxLineBytes)
            {
                skipping = true; // drop what we have of this line and look for its end
                start = scanned = end;
            }
            await FillAsync(ct);
        }
    }

    private void Emit(bool skipping, int from, int to, bool endsWithNewline)
    {
        LineNumber++;
        EndsWithNewline = endsWithNewline;
        TooLong = skipping || to - from > maxLineBytes;
        if (TooLong) { Line = ReadOnlyMemory<byte>.Empty; firstLine = false; return; }
        if (to > from && buffer[to - 1] == '\r') to--;
        if (firstLine && buffer.AsSpan(from, to - from).StartsWith("\uFEFF"u8)) from += 3;
        firstLine = false;
        Line = buffer.AsMemory(from, to - from);
    }

    private async ValueTask FillAsync(CancellationToken ct)
    {
        if (start > 0)
        {
            // Move the unfinished line to the front; Line no longer points into it (the caller asked for the next one).
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            (end, scanned, start) = (end - start, scanned - start, 0);
        }
        if (end == buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxLineBytes + 64 * 1024));
            buffer.AsSpan(0, end).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = bigger;
        }
        var read = await stream.ReadAsync(buffer.AsMemory(end), ct);
        if (read == 0) eof = true;
        end += read;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }
}
