using Portal.Core.Leases;

namespace Portal.Tests.Leases;

/// <summary>The rule that picks one of a flexible request's acceptable types, on candidates as the chooser sees them.</summary>
public sealed class SkuChoiceTests
{
    private static SkuCandidate Candidate(string id, long microsPerGpuHour, bool fits, int free) =>
        new(id, id.ToUpperInvariant(), 80, new LeasePrice(2, 10, microsPerGpuHour, 0, microsPerGpuHour), fits, free);

    [Fact]
    public void On_a_price_tie_the_type_with_the_most_gpus_free_is_chosen_so_the_scarce_one_stays()
    {
        var choice = SkuChoice.Rank([Candidate("scarce", 2_000_000, true, 8), Candidate("plenty", 2_000_000, true, 400)]);

        Assert.Equal("plenty", choice.Chosen!.SkuId);
        Assert.Equal("Chosen: PLENTY (cheapest that fits of PLENTY, SCARCE; as cheap as SCARCE, with the most GPUs free).", choice.Reason);
    }

    [Fact]
    public void A_cheaper_type_that_does_not_fit_is_passed_over_and_one_taken_while_holding_gives_way_to_the_next()
    {
        var choice = SkuChoice.Rank([Candidate("cheap", 1_000_000, false, 0), Candidate("mid", 2_000_000, true, 16),
            Candidate("dear", 3_000_000, true, 64)]);

        Assert.Equal("mid", choice.Chosen!.SkuId);
        Assert.Equal("dear", choice.Taken("mid").Chosen!.SkuId);
        Assert.Null(choice.Taken("mid").Taken("dear").Chosen);
        Assert.Equal("cheap,dear,mid", choice.Stored);
    }
}
