using System.Text;
using Portal.Core.Refusals;
using Portal.Core.ScriptJobs;
using Portal.Web.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>Where a log chunk may end (never inside a UTF-8 character unless the log ends there), and the API's field names.</summary>
public class ApiLogChunkTests
{
    [Theory]
    [InlineData("abc", 3)]
    [InlineData("ab\u00e9", 4)]            // é: 2 bytes, whole
    [InlineData("ab\U0001F600", 6)]        // 😀: 4 bytes, whole
    public void A_chunk_ending_on_a_character_is_sent_whole(string text, int length) =>
        Assert.Equal(length, LogChunks.CompleteUtf8Length(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void A_chunk_cut_inside_a_character_keeps_the_character_for_the_next_read_unless_the_log_is_complete()
    {
        var emoji = Encoding.UTF8.GetBytes("ab\U0001F600");
        for (var cut = 3; cut < emoji.Length; cut++)
        {
            var part = emoji[..cut];
            Assert.Equal(2, LogChunks.CompleteUtf8Length(part));
            Assert.Equal((2, false), LogChunks.Whole(new JobLogChunk(0, part, Complete: false, Truncated: false), 64));
            Assert.Equal((cut, true), LogChunks.Whole(new JobLogChunk(0, part, Complete: true, Truncated: false), 64));
        }
        // Asked for fewer bytes than a character: given them rather than nothing forever.
        Assert.Equal((2, false), LogChunks.Whole(new JobLogChunk(0, emoji[2..4], Complete: false, Truncated: false), 2));
    }

    [Fact]
    public void The_launchers_field_errors_are_renamed_to_the_apis_names()
    {
        var renamed = ScriptJobApiInput.Renamed(new FieldsRefusedException(new Dictionary<string, string>
        {
            ["GpusPerTask"] = "a", ["Variables[2].Name"] = "b", ["TimeLimitMinutes"] = "c", ["script"] = "d",
        }));
        Assert.Equal(["gpusPerTask", "environment[2].name", "timeLimitMinutes", "script"], renamed.Errors.Keys);
    }
}
