namespace Portal.Core.Batches;

/// <summary>
/// Reads through another stream, counting bytes and lines as they pass, and stops with a clear error as soon as
/// more than <paramref name="maxBytes"/> came through: an upload is never held whole, nor kept when too big.
/// </summary>
public sealed class CountingStream(Stream inner, long maxBytes) : Stream
{
    public long Bytes { get; private set; }
    private long newlines;
    private byte last;

    /// <summary>Lines, the last one counted even without a final newline.</summary>
    public int Lines => (int)(newlines + (Bytes > 0 && last != (byte)'\n' ? 1 : 0));

    public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var read = await inner.ReadAsync(buffer, ct);
        return Count(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private int Count(ReadOnlySpan<byte> read)
    {
        if (read.Length == 0) return 0;
        Bytes += read.Length;
        if (Bytes > maxBytes)
            throw new BatchException(413,
                $"The file is larger than the limit of {maxBytes:N0} bytes ({maxBytes / (1024 * 1024):N0} MB). Split it into smaller files.",
                "file", "file_too_large");
        newlines += read.Count((byte)'\n');
        last = read[^1];
        return read.Length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Bytes; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
