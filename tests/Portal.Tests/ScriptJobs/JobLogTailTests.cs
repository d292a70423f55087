using System.Text;
using Portal.Core.ScriptJobs;
using Portal.Web.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>What the live log view keeps of a stream: text decoded across chunk boundaries, and only the last ~1 MB.</summary>
public sealed class JobLogTailTests
{
    [Fact]
    public void A_character_split_between_two_chunks_reads_whole()
    {
        var tail = new JobLogTail();
        var bytes = Encoding.UTF8.GetBytes("loss → 0.25\n");
        var split = Array.IndexOf(bytes, (byte)0xE2) + 1; // inside the arrow's three bytes

        tail.Append(new JobLogChunk(0, bytes[..split], Complete: false, Truncated: false));
        tail.Append(new JobLogChunk(split, bytes[split..], Complete: true, Truncated: false));

        Assert.Equal("loss → 0.25\n", string.Concat(tail.Segments.Select(s => s.Text)));
        Assert.Equal(bytes.Length, tail.Offset);
        Assert.True(tail.Complete);
    }

    [Fact]
    public void Past_the_window_the_oldest_text_goes_and_the_view_says_it_was_cut()
    {
        var tail = new JobLogTail();
        var line = new string('x', 99) + "\n";
        long offset = 0;
        for (var i = 0; i < 25; i++)
        {
            var chunk = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(line, 1000)) ); // 100,000 characters
            tail.Append(new JobLogChunk(offset, chunk, false, false));
            offset += chunk.Length;
        }

        Assert.True(tail.Cut);
        Assert.InRange(tail.Segments.Sum(s => s.Text.Length), JobLogTail.MaxChars - 100_000, JobLogTail.MaxChars);
        Assert.Equal(offset, tail.Offset);
        Assert.Equal(24, tail.Segments.Last().Id); // the newest chunk is always kept
    }
}
