using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Deals;
using Portal.Core.Leases;
using Portal.Tests.Admin;
using Portal.Tests.Billing;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;
using Portal.Tests.Refusals;

namespace Portal.Tests.Deals;

/// <summary>
/// A lease over the approval thresholds as a deal: under review by a deadline; Support amends price, window and cancellation
/// terms with a reason; the tenant signs them (scheduled, billed at the negotiated rate) or declines them (capacity released).
/// </summary>
public class LeaseDealTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Reason = "Framework agreement FA-2027-01: 20% off list for a whole-hall commitment";

    [Fact]
    public async Task Support_amends_the_terms_the_tenant_signs_them_and_is_billed_the_negotiated_rate()
    {
        var (client, tenantId, owner) = await LeaseApiCalls.NewOwnerAsync(factory);
        var id = await LeaseApiCalls.QuoteAsync(client, LeaseApiTests.Body("h100-sxm-80gb", 72, factory.ThisHour.AddHours(10), 4, "us-south-1"));
        var signed = await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/sign",
            new { signerName = "Ada Lovelace", accept = true }), HttpStatusCode.OK);
        Assert.Equal("UnderReview", signed.GetProperty("review").GetProperty("state").GetString());
        Assert.Equal(DealReview.AddBusinessDays(factory.Now, 2), signed.GetProperty("review").GetProperty("dueAt").GetDateTime().ToUniversalTime());

        var lease = await new LifecycleKit(factory).LoadAsync(id);
        var negotiated = lease.OnDemandMicrosPerGpuHour * 8 / 10;
        var start = factory.ThisHour.AddHours(2); // Support moves it earlier: the capacity is free then too
        await using (var support = await SupportScope.CreateAsync(factory))
        {
            var desk = support.Get<DealDesk>();
            var proposed = await Outcome.Of(desk.ProposeAsync(id, new DealProposal(negotiated / 1_000_000m, null, start, start.AddHours(4), 0, 100, Reason)));
            Assert.True(proposed.Succeeded, proposed.Message);
            var approveUnchanged = await Outcome.Of(support.Get<LeaseAdminDecisions>().ApproveAsync(id));
            Assert.False(approveUnchanged.Succeeded); // the tenant approves it by signing the amended terms
        }

        var seen = await LeaseApiCalls.JsonAsync(await client.GetAsync($"/api/v1/leases/{id}"), HttpStatusCode.OK);
        Assert.Equal("AwaitingSignature", seen.GetProperty("review").GetProperty("state").GetString());
        var offer = Assert.Single(seen.GetProperty("offers").EnumerateArray());
        Assert.Equal(("Proposed", negotiated, Reason), (offer.GetProperty("state").GetString(),
            offer.GetProperty("price").GetProperty("microsPerGpuHour").GetInt64(), offer.GetProperty("reason").GetString()));
        var offerId = offer.GetProperty("id").GetGuid();
        var (other, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        await LeaseApiCalls.ProblemAsync(await LeaseApiCalls.PostAsync(other, $"/api/v1/leases/{id}/offers/{offerId}/sign",
            new { signerName = "Mallory Smith", accept = true }), HttpStatusCode.NotFound, "not_found");

        var accepted = await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/offers/{offerId}/sign",
            new { signerName = "Ada Lovelace", accept = true }), HttpStatusCode.OK);
        Assert.Equal("Scheduled", accepted.GetProperty("state").GetString());
        Assert.Equal(start, accepted.GetProperty("start").GetDateTime().ToUniversalTime());
        Assert.Equal(72L * 4 * negotiated, accepted.GetProperty("price").GetProperty("totalMicros").GetInt64());

        using (var scope = factory.Services.CreateScope())
        {
            await using var db = factory.CreateDbContext(scope);
            var stored = await db.Set<LeaseOffer>().SingleAsync(o => o.LeaseId == id);
            var terms = await db.Set<LeaseDocument>().SingleAsync(d => d.LeaseId == id && d.AmendmentId == offerId);
            Assert.Equal((DealAgreement.Version, SignedTerms.Sha256(terms.Content)), (stored.AgreementVersion, stored.AgreementSha256));
            var text = Encoding.UTF8.GetString(terms.Content);
            Assert.Contains("Negotiated terms", text);
            Assert.Contains(Reason, text);
            Assert.Equal(Reason, (await db.AuditEvents.SingleAsync(e => e.Action == DealDesk.ProposedAudit && e.TargetId == id.ToString())).Reason);
            Assert.True(await db.AuditEvents.AnyAsync(e =>
                e.Action == DealResponse.AcceptedAudit && e.TargetId == id.ToString() && e.ActorName == owner.Email));
            Assert.True(await db.Notifications.AnyAsync(n => n.UserId == owner.Id && n.Title.StartsWith("Amended terms to sign")));
        }

        var billing = new BillingKit(factory);
        billing.MoveTo(start);
        await billing.Leases.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(id));
        Assert.Equal(LeaseState.Active, (await billing.Leases.LoadAsync(id)).State);
        billing.Advance(1);
        await billing.MeterAsync();
        var hour = Assert.Single(await billing.RecordsAsync(tenantId));
        Assert.Equal(72 * negotiated, hour.AmountMicros);
    }

    [Fact]
    public async Task A_window_that_would_overbook_is_refused_changing_nothing_and_declining_releases_the_capacity()
    {
        var (client, _, owner) = await LeaseApiCalls.NewOwnerAsync(factory);
        var whole = await new LifecycleKit(factory).ReadyGpusAsync("us-east-2", "b200-180gb");
        var window = new LeaseRequest("us-east-2", "b200-180gb", whole, factory.ThisHour.AddHours(20), 6);
        var id = await LeaseApiCalls.QuoteAsync(client, LeaseApiTests.Body("b200-180gb", whole, window.Start, window.Hours, "us-east-2"));
        await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/sign",
            new { signerName = "Ada Lovelace", accept = true }), HttpStatusCode.OK);
        var later = window with { Gpus = 8, Start = window.Start.AddHours(24) };
        var (otherTenant, otherOwner) = await factory.NewTenantAsync();
        var otherLease = await new LifecycleKit(factory).SignedAsync(otherTenant, otherOwner, later);
        var before = await new LifecycleKit(factory).LoadAsync(id);

        await using (var support = await SupportScope.CreateAsync(factory))
        {
            var desk = support.Get<DealDesk>();
            var onTop = await Outcome.Of(desk.ProposeAsync(id, Proposal(1m, later.Start, later.End)));
            var negative = await Outcome.Of(desk.ProposeAsync(id, Proposal(-1m, window.Start, window.End)));
            var notUnderReview = await Outcome.Of(desk.ProposeAsync(otherLease.Id, Proposal(1m, later.Start, later.End)));
            Assert.False(onTop.Succeeded);
            Assert.Contains("do not fit", onTop.Message);
            Assert.False(negative.Succeeded);
            Assert.Contains("negative", negative.Message);
            Assert.False(notUnderReview.Succeeded);
            Assert.Contains("not under review", notUnderReview.Message);
            var after = await new LifecycleKit(factory).LoadAsync(id);
            Assert.Equal(before.Allocations.Select(a => (a.Id, a.Start, a.End, a.Status)), after.Allocations.Select(a => (a.Id, a.Start, a.End, a.Status)));
            Assert.Equal((before.Version, before.OfferDueAt), (after.Version, after.OfferDueAt));

            Assert.True((await Outcome.Of(desk.ProposeAsync(id, Proposal(1m, window.Start, window.End)))).Succeeded);
        }
        Assert.False(await OthersFitAsync(window with { Gpus = 8 })); // held for the tenant while they decide

        var seen = await LeaseApiCalls.JsonAsync(await client.GetAsync($"/api/v1/leases/{id}"), HttpStatusCode.OK);
        var offerId = Assert.Single(seen.GetProperty("offers").EnumerateArray()).GetProperty("id").GetGuid();
        var declined = await LeaseApiCalls.JsonAsync(
            await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/offers/{offerId}/decline", new { }), HttpStatusCode.OK);
        Assert.Equal("Cancelled", declined.GetProperty("state").GetString());
        Assert.Equal(0, declined.GetProperty("cancellationFeeMicros").GetInt64());
        Assert.True(await OthersFitAsync(window));
        await LeaseApiCalls.ProblemAsync(await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/offers/{offerId}/sign",
            new { signerName = "Ada Lovelace", accept = true }), HttpStatusCode.Conflict, "offer_not_open");
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Action == DealResponse.DeclinedAudit && e.TargetId == id.ToString() && e.ActorName == owner.Email));
    }

    [Fact]
    public async Task Amended_terms_left_unanswered_lapse_and_release_the_capacity()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var whole = await new LifecycleKit(factory).ReadyGpusAsync("us-east-2", "h200-141gb");
        var window = new LeaseRequest("us-east-2", "h200-141gb", whole, factory.ThisHour.AddDays(10), 6);
        var kit = new LifecycleKit(factory);
        Lease lease;
        await using (var member = await factory.As(tenantId, ownerId))
            lease = await member.Signing.SignAsync((await member.Quoting.HoldAsync(window)).Id, "Ada Lovelace", accepted: true);
        Assert.Equal(LeaseState.PendingApproval, lease.State);
        await using (var support = await SupportScope.CreateAsync(factory))
            Assert.True((await Outcome.Of(support.Get<DealDesk>().ProposeAsync(lease.Id, Proposal(1m, window.Start, window.End)))).Succeeded);

        factory.Clock.Advance(TimeSpan.FromDays(6)); // past three business days, whatever the weekday
        await kit.SweepAsync();

        Assert.Equal(LeaseState.Expired, (await kit.LoadAsync(lease.Id)).State);
        Assert.True(await OthersFitAsync(window));
    }

    private static DealProposal Proposal(decimal usdPerGpuHour, DateTime start, DateTime end) =>
        new(usdPerGpuHour, null, start, end, 24, 50, Reason);

    private async Task<bool> OthersFitAsync(LeaseRequest request)
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        return (await member.Availability.CheckAsync(request)).Fits;
    }
}
