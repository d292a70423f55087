using System.Text;
using Portal.Core.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>The mask on its own: every occurrence, overlapping secrets, and the held-back tail of a chunk.</summary>
public sealed class ScriptJobSecretMaskTests
{
    private static string Masked(ScriptJobSecretMask mask, string text, bool final, out int consumed)
    {
        var result = mask.Apply(Encoding.UTF8.GetBytes(text), final);
        consumed = result.Consumed;
        return Encoding.UTF8.GetString(result.Output);
    }

    [Fact]
    public void Every_occurrence_is_masked_and_the_longer_of_two_overlapping_secrets_wins()
    {
        var mask = new ScriptJobSecretMask(["abc", "abcdef", ""]);
        Assert.Equal("x ******** y ******** z ********", Masked(mask, "x abcdef y abc z abcdef", final: true, out _));
    }

    [Fact]
    public void The_tail_that_could_start_a_secret_waits_for_the_next_chunk_unless_the_log_ended()
    {
        var mask = new ScriptJobSecretMask(["s3cret"]);
        Assert.Equal(5, mask.HoldBack);
        Assert.Equal("hello ", Masked(mask, "hello s3cre", final: false, out var consumed));
        Assert.Equal(6, consumed);
        Assert.Equal("hello s3cre", Masked(mask, "hello s3cre", final: true, out _));
        // A secret that straddles the cut waits whole.
        Assert.Equal("a ", Masked(mask, "a s3cret" + "", final: false, out consumed));
        Assert.Equal(2, consumed);
    }

    [Fact]
    public void Without_secrets_nothing_is_held_back()
    {
        var mask = new ScriptJobSecretMask([]);
        Assert.Equal("all of it", Masked(mask, "all of it", final: false, out var consumed));
        Assert.Equal(9, consumed);
    }
}
