using Portal.Core.ScriptJobs;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// Where a log chunk may end: offsets are bytes, but a reader decodes each chunk as UTF-8, so a chunk that stops inside a
/// character would turn its first bytes into U+FFFD and lose them. The incomplete tail is left for the next read instead;
/// only at the very end of a finished log (nothing can complete it) is it sent as it is.
/// </summary>
internal static class LogChunks
{
    /// <summary>
    /// How many of the chunk's bytes to send, and whether that is the whole, finished log. A reader asking for fewer bytes
    /// than one character gets them as they are rather than nothing forever.
    /// </summary>
    public static (int Length, bool Complete) Whole(JobLogChunk chunk, int asked) => Whole(chunk.Data, chunk.Complete, asked);

    public static (int Length, bool Complete) Whole(ReadOnlySpan<byte> data, bool complete, int asked)
    {
        if (complete) return (data.Length, true);
        var length = CompleteUtf8Length(data);
        return (length == 0 && data.Length >= asked ? data.Length : length, false);
    }

    /// <summary>The length of <paramref name="data"/> without a trailing UTF-8 sequence that is cut short.</summary>
    public static int CompleteUtf8Length(ReadOnlySpan<byte> data)
    {
        // A sequence is at most 4 bytes: look back for its lead byte among the last 4.
        for (int i = data.Length - 1, back = 0; i >= 0 && back < 4; i--, back++)
        {
            var b = data[i];
            if ((b & 0xC0) == 0x80) continue; // a continuation byte: keep looking for the lead
            var needed = (b & 0x80) == 0 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            return data.Length - i >= needed ? data.Length : i;
        }
        return data.Length; // only continuation bytes: not UTF-8 anyway, nothing to wait for
    }
}
