using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>
/// "No overbooking, ever": 50 quotes from 10 tenants race for the last 8 GPUs of a pool, 20 times over;
/// exactly one wins each time and the others hear that the capacity is no longer available.
/// </summary>
public class OverbookingRaceTests(QuietLeaseFactory factory) : IClassFixture<QuietLeaseFactory>
{
    private const string Region = "us-east-2";
    private const string Sku = "b200-180gb"; // 16 nodes of 8 GPUs, all Ready when seeded
    private const int Rounds = 20;
    private const int Tenants = 10;
    private const int QuotesPerTenant = 5;

    [Fact]
    public async Task Fifty_concurrent_quotes_for_the_last_eight_GPUs_give_exactly_one_hold_every_time()
    {
        var window = await LeaveEightGpusFreeAsync();
        var racers = new List<(Guid TenantId, string OwnerId)>();
        for (var i = 0; i < Tenants; i++) racers.Add(await factory.NewTenantAsync($"Racer {i}"));

        // One scope per quoter, as 50 open browser sessions; each quotes once per round.
        var scopes = new List<MemberScope>();
        foreach (var (tenantId, ownerId) in racers)
            for (var q = 0; q < QuotesPerTenant; q++) scopes.Add(await factory.As(tenantId, ownerId));

        for (var round = 0; round < Rounds; round++)
        {

            // Every quote waits at the gate on its own task, then all go at once.
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var quotes = scopes.Select(s => Task.Run(async () =>
            {
                await go.Task;
                try { return (Lease: await s.Quoting.HoldAsync(window), Refusal: (LeaseException?)null); }
                catch (LeaseException e) { return (Lease: (Lease?)null, Refusal: e); }
            })).ToList();
            go.SetResult();
            var results = await Task.WhenAll(quotes);

            var winners = results.Where(r => r.Lease is not null).Select(r => r.Lease!).ToList();
            var refusals = results.Where(r => r.Refusal is not null).Select(r => r.Refusal!).ToList();
            Assert.True(winners.Count == 1,
                $"round {round}: {winners.Count} holds won; refusals: {string.Join(" | ", refusals.Select(r => r.Code).Distinct())}");
            Assert.Equal(49, refusals.Count);
            Assert.All(refusals, r =>
            {
                var noCapacity = Assert.IsType<NoCapacityException>(r);
                Assert.Equal("no_capacity", noCapacity.Code);
                Assert.Contains("no longer available", noCapacity.Message);
            });

            var winner = winners[0];
            await AssertOnlyHoldIsAsync(winner, round);
            var report = await CheckAsync();
            Assert.True(report.Clean, $"round {round}: {report.Describe()}");

            // Free the 8 GPUs again: the winner discards its quote, or the hold simply expires.
            if (round % 2 == 0)
            {
                var owner = racers.First(r => r.TenantId == winner.TenantId);
                await using var member = await factory.As(owner.TenantId, owner.OwnerId);
                await member.Cancelling.CancelAsync(winner.Id);
            }
            else factory.Clock.Advance(TimeSpan.FromMinutes(11));
        }
        foreach (var s in scopes) await s.DisposeAsync();
    }

    /// <summary>The race's window, and a pool where exactly 8 GPUs are free over it: two Ready nodes, one taken by a signed lease.</summary>
    private async Task<LeaseRequest> LeaveEightGpusFreeAsync()
    {
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
        {
            var nodes = await db.Nodes.Where(n => n.RegionId == Region && n.SkuId == Sku).OrderBy(n => n.Id).Select(n => n.Id).ToListAsync();
            var others = nodes.Skip(2).ToList();
            await db.Nodes.Where(n => others.Contains(n.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(n => n.State, NodeState.Maintenance));
        }
        var start = factory.ThisHour.AddHours(24);
        var (fillerId, fillerOwner) = await factory.NewTenantAsync("Filler");
        await using var filler = await factory.As(fillerId, fillerOwner);
        var taken = await filler.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 8, factory.ThisHour.AddHours(1), 24 * 7));
        await filler.Signing.SignAsync(taken.Id, "Filler Owner", accepted: true);
        return new LeaseRequest(Region, Sku, 8, start, 8);
    }

    private async Task AssertOnlyHoldIsAsync(Lease winner, int round)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var now = factory.Now;
        var holds = await db.Leases.Where(l => l.RegionId == Region && l.SkuId == Sku && l.State == LeaseState.Held && l.HoldExpiresAt > now)
            .Include(l => l.Allocations).ToListAsync();
        var hold = Assert.Single(holds);
        Assert.True(hold.Id == winner.Id, $"round {round}: the held lease is not the winner's");
        Assert.Equal(8, hold.Gpus);
        Assert.Equal(8, hold.Allocations.Where(a => a.Status == AllocationStatus.Held).Sum(a => a.Gpus));
    }

    private async Task<AllocationReport> CheckAsync()
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await AllocationChecker.CheckAsync(db, factory.Now);
    }
}
