using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Tests.Admin;
using Portal.Tests.Refusals;

namespace Portal.Tests.Leases;

/// <summary>
/// Holds are not free: quotes on hold (leases and extensions) count against the GPU quota and the spend ceiling like signed
/// leases until they lapse, and an organisation has at most a few of them at once.
/// </summary>
public sealed class HoldLimitsTests(QuoteLimitsFactory factory) : IClassFixture<QuoteLimitsFactory>
{
    private const string Region = "us-south-1";
    private const string A100 = "a100-80gb";

    [Fact]
    public async Task A_held_extension_counts_against_the_gpu_quota_both_ways_until_it_lapses()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using (var support = await SupportScope.CreateAsync(factory))
            Assert.True((await Outcome.Of(support.Get<TenantLimitsAdmin>().SetGpuQuotaAsync(tenantId, A100, 8))).Succeeded);
        await using var member = await factory.As(tenantId, ownerId);
        var start = factory.ThisHour.AddHours(200);
        var lease = await member.Quoting.HoldAsync(new LeaseRequest(Region, A100, 8, start, 3));
        await member.Signing.SignAsync(lease.Id, "Ada Lovelace", accepted: true);
        await member.Extending.QuoteExtensionAsync(lease.Id, 2);

        // The extension holds the lease's 8 GPUs for two more hours: a quote in those hours is over the quota of 8.
        var refused = await Assert.ThrowsAsync<LeaseException>(() => member.Quoting.HoldAsync(new LeaseRequest(Region, A100, 1, start.AddHours(3), 2)));
        Assert.Equal("quota_exceeded", refused.Code);
        Assert.Contains("9 a100-80gb GPUs at once", refused.Message);
        Assert.Contains("quota is 8 (0 left", refused.Message);

        // A lapsed hold is free: the same quote goes through.
        factory.Clock.Advance(TimeSpan.FromMinutes(11));
        await member.Quoting.HoldAsync(new LeaseRequest(Region, A100, 4, start.AddHours(3), 2));

        // And the other way round: extending into the hours of that quote on hold would make 12 GPUs at once.
        var extension = await Assert.ThrowsAsync<LeaseException>(() => member.Extending.QuoteExtensionAsync(lease.Id, 2));
        Assert.Equal("quota_exceeded", extension.Code);
        Assert.StartsWith("This extension would make 12 a100-80gb GPUs at once", extension.Message);
    }

    [Fact]
    public async Task A_new_tenants_quotes_on_hold_count_against_its_low_spend_ceiling_until_they_lapse()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var start = factory.ThisHour.AddHours(100);
        var first = await member.Quoting.HoldAsync(new LeaseRequest(Region, "h100-sxm-80gb", 8, start, 40));
        Assert.InRange(first.PriceMicros, 500 * Money.MicrosPerDollar, 1_000 * Money.MicrosPerDollar);

        // Nothing is signed: the quote on hold alone leaves less than a second one costs.
        var refused = await Assert.ThrowsAsync<LeaseException>(() =>
            member.Quoting.HoldAsync(new LeaseRequest(Region, "h100-sxm-80gb", 8, start.AddHours(40), 40)));
        Assert.Equal("spend_limit_exceeded", refused.Code);
        Assert.Contains($"{Money.Format(1_000 * Money.MicrosPerDollar - first.PriceMicros)} of your $1,000.00 monthly limit is left", refused.Message);
        Assert.Contains("contact Support to verify yours", refused.Message);

        factory.Clock.Advance(TimeSpan.FromMinutes(11));
        var second = await member.Quoting.HoldAsync(new LeaseRequest(Region, "h100-sxm-80gb", 8, start.AddHours(40), 40));
        Assert.Equal(LeaseState.Held, second.State);
    }

    [Fact]
    public async Task A_tenant_has_at_most_three_quotes_on_hold_until_one_is_discarded_or_lapses()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var start = factory.ThisHour.AddHours(150);
        LeaseRequest Small(int i) => new(Region, A100, 1, start.AddHours(i), 1);
        var held = new List<Lease>();
        for (var i = 0; i < 3; i++) held.Add(await member.Quoting.HoldAsync(Small(i)));

        var refused = await Assert.ThrowsAsync<LeaseException>(() => member.Quoting.HoldAsync(Small(3)));
        Assert.Equal("too_many_holds", refused.Code);
        Assert.Equal(409, refused.Status);
        Assert.Contains("already has 3 quotes on hold, the most it may have at once (3)", refused.Message);
        Assert.Contains("Sign one, discard one (Discard on its Review & sign page), or let it lapse", refused.Message);

        // Discarding one frees its place.
        await member.Cancelling.CancelAsync(held[0].Id);
        await member.Quoting.HoldAsync(Small(3));
        Assert.Equal("too_many_holds", (await Assert.ThrowsAsync<LeaseException>(() => member.Quoting.HoldAsync(Small(4)))).Code);

        // So does a lapsed one (before the sweep marks it Expired).
        factory.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(LeaseState.Held, (await member.Quoting.HoldAsync(Small(4))).State);
    }
}
