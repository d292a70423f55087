using Portal.Core.Billing;
using Portal.Core.Leases;
using Portal.Tests.Billing;
using Microsoft.EntityFrameworkCore;
using Portal.Tests.Infrastructure;
using Portal.Tests.Tenancy;

namespace Portal.Tests.Leases;

/// <summary>
/// A lease asked for "now" in the middle of an hour: it starts at the minute it becomes active, runs its hours from there,
/// and costs exactly what was signed, as the quote, the agreement, the lease and the meter all say. Its reservation
/// covers the real window (no overbooking), also when it activates late.
/// </summary>
public class NowLeaseTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-south-1", Sku = "a100-80gb";
    private readonly BillingKit kit = new(factory);

    [Fact]
    public async Task Signed_at_23_past_a_one_hour_lease_runs_an_hour_from_activation_and_is_billed_exactly_its_price()
    {
        kit.MoveTo(factory.ThisHour.AddHours(1).AddMinutes(23));
        var hour = factory.ThisHour;
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        Guid id;
        await using (var member = await factory.As(tenantId, ownerId))
        {
            var held = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 1, hour, 1));
            // The quote: one GPU-hour; the capacity: the whole hour after too, so the window fits whenever in this hour it starts.
            Assert.Equal(held.MicrosPerGpuHour, held.PriceMicros);
            Assert.All(held.Allocations, a => Assert.Equal((hour, hour.AddHours(2)), (a.Start, a.End)));
            Assert.Equal(1, held.Hours);
            var terms = await member.Get<LeaseTerms>().TermsAsync(held);
            Assert.Equal(hour.AddHours(2), terms.StartsOnActivationUntil);
            var agreement = LeaseAgreementPdfTests.PageText(LeaseAgreementPdf.Render(terms, LeaseAgreementPdfTests.Signature));
            Assert.Contains("for 1 hour from the whole minute after the GPUs become active", agreement);
            Assert.Contains("1 GPU x 1 hour = 1 GPU-hour.", agreement);
            Assert.DoesNotContain("1 GPUs", agreement);
            Assert.DoesNotContain("1 hours", agreement);
            id = (await member.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true)).Id;
        }

        factory.Clock.Advance(TimeSpan.FromSeconds(20)); // the pool takes a moment: active at 23:20 past
        await kit.Leases.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(id));
        var active = await kit.Leases.LoadAsync(id);
        Assert.Equal(LeaseState.Active, active.State);
        Assert.Equal((hour.AddMinutes(24), hour.AddMinutes(84)), (active.Start, active.End));
        Assert.All(active.Allocations, a => Assert.True(a.Start <= active.Start && a.End >= active.End, "The reservation covers the window."));
        Assert.Contains(active.Events, e => e.Message.Contains($"Billed from {active.Start:HH:mm} to {active.End:yyyy-MM-dd HH:mm} UTC."));

        kit.MoveTo(hour.AddMinutes(84));
        await kit.EndAsync(id);
        Assert.Equal(LeaseState.Ended, (await kit.Leases.LoadAsync(id)).State);
        kit.MoveTo(hour.AddHours(2));
        await kit.MeterAsync();
        var records = await kit.RecordsAsync(tenantId);
        Assert.Equal([36 * 60L, 24 * 60L], records.Select(r => r.GpuSeconds));
        Assert.InRange(records.Sum(r => r.AmountMicros), active.PriceMicros - 1, active.PriceMicros + 1); // a micro-dollar of rounding at most

        // What the bell and the e-mails said along the way (an e-mail is a notification's title and body) counts right too.
        var notes = await factory.Read(db => db.Notifications.Where(n => n.TenantId == tenantId).Select(n => n.Title + " " + n.Body).ToListAsync());
        Assert.Contains(notes, n => n.StartsWith("Lease active: 1 ×", StringComparison.Ordinal));
        Assert.All(notes, n => Assert.DoesNotMatch(@"\b1 (GPUs|hours|GPU-hours)\b", n));
    }

    [Fact]
    public async Task A_now_lease_that_activates_after_its_first_hour_ends_where_its_reservation_ends_and_pays_only_what_it_ran()
    {
        kit.MoveTo(factory.ThisHour.AddHours(1).AddMinutes(40));
        var hour = factory.ThisHour;
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var signed = await kit.Leases.SignedAsync(tenantId, ownerId, new LeaseRequest(Region, Sku, 2, hour, 1));
        // Quoted at 40 past, held 10 minutes, 5 for the pool, an hour long: it could end at 55 past the next hour at the latest.
        Assert.All((await kit.Leases.LoadAsync(signed.Id)).Allocations, a => Assert.Equal((hour, hour.AddHours(2)), (a.Start, a.End)));

        kit.MoveTo(hour.AddHours(1).AddMinutes(10)); // the pool was slow: active half an hour after signing
        await kit.Leases.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(signed.Id));
        var active = await kit.Leases.LoadAsync(signed.Id);
        Assert.Equal(LeaseState.Active, active.State);
        Assert.Equal((hour.AddMinutes(70), hour.AddHours(2)), (active.Start, active.End)); // never past what it reserved
        Assert.All(active.Allocations, a => Assert.Equal(hour.AddHours(2), a.End));

        kit.MoveTo(hour.AddHours(2));
        await kit.EndAsync(active.Id);
        await kit.MeterAsync();
        var record = Assert.Single(await kit.RecordsAsync(tenantId));
        Assert.Equal(2 * 50 * 60L, record.GpuSeconds);
    }

    [Fact]
    public async Task Quoted_at_50_past_it_reserves_past_the_next_hour_until_it_starts_then_gives_the_spare_hour_back()
    {
        kit.MoveTo(factory.ThisHour.AddHours(1).AddMinutes(50));
        var hour = factory.ThisHour;
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var signed = await kit.Leases.SignedAsync(tenantId, ownerId, new LeaseRequest(Region, Sku, 1, hour, 1));
        // Signed at 50 past, it may start as late as 5 past the next hour and end at 5 past the one after: reserved to then.
        Assert.All((await kit.Leases.LoadAsync(signed.Id)).Allocations, a => Assert.Equal((hour, hour.AddHours(3)), (a.Start, a.End)));

        factory.Clock.Advance(TimeSpan.FromSeconds(30));
        await kit.Leases.RunAsync<ProvisionLeaseJob>(j => j.RunAsync(signed.Id));
        var active = await kit.Leases.LoadAsync(signed.Id);
        Assert.Equal((hour.AddMinutes(51), hour.AddMinutes(111)), (active.Start, active.End));
        Assert.All(active.Allocations, a => Assert.Equal((hour, hour.AddHours(2)), (a.Start, a.End))); // the third hour is free again
    }

    [Fact]
    public async Task A_lease_quoted_for_a_later_hour_keeps_its_window_and_reserves_nothing_more()
    {
        kit.MoveTo(factory.ThisHour.AddHours(1).AddMinutes(40));
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var start = factory.ThisHour.AddHours(3);
        var signed = await kit.Leases.SignedAsync(tenantId, ownerId, new LeaseRequest(Region, Sku, 1, start, 2));
        Assert.Equal((start, start.AddHours(2)), (signed.Start, signed.End));
        Assert.All((await kit.Leases.LoadAsync(signed.Id)).Allocations, a => Assert.Equal((start, start.AddHours(2)), (a.Start, a.End)));
        await using var member = await factory.As(tenantId, ownerId);
        Assert.Null((await member.Get<LeaseTerms>().TermsAsync(signed)).StartsOnActivationUntil);
    }
}
