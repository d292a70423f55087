using System.Text;
using Portal.Core.ScriptJobs;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// The end of one task's stream as the log view keeps it: chunks read by offset, decoded as UTF-8 across chunk boundaries,
/// and at most <see cref="MaxChars"/> characters (older segments are dropped, and <see cref="Cut"/> says so). The view
/// renders one element per segment, so a new chunk sends only its own text to the browser.
/// </summary>
public sealed class JobLogTail
{
    /// <summary>About 1 MB of text in the page; the whole log is a download.</summary>
    public const int MaxChars = 1_000_000;

    private readonly Decoder decoder = new UTF8Encoding(false).GetDecoder();
    private readonly LinkedList<Segment> segments = new();
    private int chars, nextId;

    public long Offset { get; private set; }
    public bool Cut { get; private set; }
    public bool Complete { get; private set; }
    /// <summary>The store's cap cut this log (the job wrote more than it keeps).</summary>
    public bool Truncated { get; private set; }
    /// <summary>Why there is nothing to show (the logs were deleted after their retention).</summary>
    public string? Note { get; private set; }
    public IEnumerable<Segment> Segments => segments;
    public bool IsEmpty => chars == 0;

    /// <summary>Appends a chunk read at <see cref="Offset"/>; false when it adds nothing.</summary>
    public bool Append(JobLogChunk chunk)
    {
        Complete = chunk.Complete;
        Truncated |= chunk.Truncated;
        Note = chunk.Note ?? Note;
        if (chunk.Data.Length == 0) return false;
        Offset = chunk.Offset + chunk.Data.Length;
        var buffer = new char[decoder.GetCharCount(chunk.Data, 0, chunk.Data.Length, flush: false)];
        var n = decoder.GetChars(chunk.Data, 0, chunk.Data.Length, buffer, 0, flush: false);
        if (n == 0) return false;
        segments.AddLast(new Segment(nextId++, new string(buffer, 0, n)));
        chars += n;
        while (chars > MaxChars)
        {
            var first = segments.First!;
            if (segments.Count > 1)
            {
                chars -= first.Value.Text.Length;
                segments.RemoveFirst();
            }
            else
            {
                // One chunk longer than the whole window keeps its end.
                first.Value = first.Value with { Text = first.Value.Text[^MaxChars..] };
                chars = MaxChars;
            }
            Cut = true;
        }
        return true;
    }

    public sealed record Segment(int Id, string Text);
}
