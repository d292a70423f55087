using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Batches;
using Portal.Core.Billing;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Tenancy;

namespace Portal.Benchmarks;

/// <summary>
/// What the page benchmark's tenant has after a year on the portal, written straight into the database: 200 leases (ended
/// ones over the year, active and scheduled ones holding H100s in us-south-1, a few cancelled), 100 batches, an hourly
/// usage record for every hour a lease or batch ran, the meter's record of every hour it metered, and the audit trail;
/// beside it 60 other organisations for Support's lists.
/// </summary>
internal static class PageBenchmarkData
{
    public const string MemberPassword = "a long benchmark passphrase";
    private const string Region = "us-south-1", Sku = "h100-sxm-80gb";

    public static async Task<string> SeedAsync(IServiceProvider services)
    {
        var now = DateTime.UtcNow;
        var hour = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
        using var scope = services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var orgs = scope.ServiceProvider.GetRequiredService<OrganizationService>();
        var email = "owner@pages-bench.local";
        var owner = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = hour.AddYears(-1) };
        Check(await users.CreateAsync(owner, MemberPassword));
        var tenant = await orgs.CreateAsync(owner.Id, "Bench Labs", "bench-labs");
        for (var i = 0; i < 60; i++)
        {
            var other = new ApplicationUser { UserName = $"owner{i}@other.local", Email = $"owner{i}@other.local", EmailConfirmed = true, CreatedAt = now };
            Check(await users.CreateAsync(other));
            await orgs.CreateAsync(other.Id, $"Other Org {i:D2}", $"other-org-{i:D2}");
        }

        var factory = scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        db.ForTenant(tenant.Id);
        var sku = await db.GpuSkus.AsNoTracking().SingleAsync(s => s.Id == Sku);
        var nodes = await db.Nodes.AsNoTracking().Where(n => n.RegionId == Region && n.SkuId == Sku).OrderBy(n => n.Id).Select(n => n.Id).ToListAsync();
        var random = new Random(17);
        for (var i = 0; i < 200; i++)
        {
            // 150 ended over the past year, 25 active now, 15 scheduled within 60 days, 10 cancelled.
            var (state, start, hours) = i switch
            {
                < 150 => (LeaseState.Ended, hour.AddHours(-8760 + i * 55), 24 + random.Next(8) * 12),
                < 175 => (LeaseState.Active, hour.AddHours(-24 * random.Next(1, 20)), 24 * random.Next(25, 60)),
                < 190 => (LeaseState.Scheduled, hour.AddHours(24 * random.Next(1, 60)), 24 * random.Next(2, 14)),
                _ => (LeaseState.Cancelled, hour.AddHours(24 * random.Next(1, 30)), 48),
            };
            var gpus = i % 3 == 0 ? 8 : 4;
            var lease = new Lease
            {
                TenantId = tenant.Id, RegionId = Region, SkuId = Sku, Gpus = gpus, Start = start, End = start.AddHours(hours), State = state,
                OnDemandMicrosPerGpuHour = sku.OnDemandMicrosPerGpuHour, MicrosPerGpuHour = sku.OnDemandMicrosPerGpuHour,
                PriceMicros = sku.OnDemandMicrosPerGpuHour * gpus * hours, CreatedByUserId = owner.Id, CreatedAt = start.AddDays(-2),
                SignerUserId = owner.Id, SignerName = "Bench Owner", SignedAt = start.AddDays(-2), AgreementVersion = "2026-10",
                AgreementSha256 = new string('a', 64), ActivatedAt = state is LeaseState.Ended or LeaseState.Active ? start : null,
                EndedAt = state == LeaseState.Ended ? start.AddHours(hours) : null, CancelledAt = state == LeaseState.Cancelled ? start.AddDays(-1) : null,
            };
            // Open leases each on their own node (no overbooking); ended and cancelled ones on any.
            var node = state is LeaseState.Active or LeaseState.Scheduled ? nodes[(i - 150) % nodes.Count] : nodes[i % nodes.Count];
            lease.Allocations.Add(new Allocation
            {
                NodeId = node, RegionId = Region, SkuId = Sku, Gpus = gpus, Start = lease.Start, End = lease.End,
                Status = state == LeaseState.Cancelled ? AllocationStatus.Released : AllocationStatus.Firm, ReservedAt = lease.Start,
            });
            lease.Events.Add(new LeaseEvent { TenantId = tenant.Id, At = lease.CreatedAt, State = LeaseState.Scheduled, Message = "Signed." });
            db.Leases.Add(lease);
            AddAudit(db, tenant.Id, email, "lease.signed", "Lease", lease.Id.ToString(), lease.CreatedAt);
            for (var h = lease.Start; h < lease.End && h < hour && state != LeaseState.Cancelled; h = h.AddHours(1))
                db.UsageRecords.Add(new UsageRecord
                {
                    TenantId = tenant.Id, PeriodStart = h, Source = UsageSource.Lease, SourceId = lease.Id.ToString(), SkuId = Sku, RegionId = Region,
                    GpuSeconds = gpus * 3600L, AmountMicros = lease.MicrosPerGpuHour * gpus, RecordedAt = h.AddHours(1),
                });
        }

        for (var i = 0; i < 100; i++)
        {
            var created = hour.AddHours(-8760 + i * 87);
            var file = new BatchFile
            {
                Id = $"file-bench{i:D4}", TenantId = tenant.Id, Filename = $"requests-{i}.jsonl", Purpose = "batch", Bytes = 250_000, Lines = 1000,
                CreatedAt = created,
            };
            db.BatchFiles.Add(file);
            var batch = new Batch
            {
                Id = $"batch_bench{i:D4}", TenantId = tenant.Id, Endpoint = BatchUrls.ChatCompletions, InputFileId = file.Id,
                Status = i % 10 == 9 ? BatchStatus.Failed : BatchStatus.Completed, Model = "llama-3.3-70b-instruct", RequestTotal = 1000,
                RequestCompleted = 990, RequestFailed = 10, InputTokens = 400_000, OutputTokens = 200_000, InputMicrosPerMillionTokens = 300_000,
                OutputMicrosPerMillionTokens = 600_000, CostMicros = 240_000, CreatedAt = created, InProgressAt = created.AddMinutes(1),
                ExpiresAt = created.AddHours(24), CompletedAt = created.AddHours(2), CreatedByUserId = owner.Id,
            };
            db.Batches.Add(batch);
            AddAudit(db, tenant.Id, email, "batch.created", "Batch", batch.Id, created);
            for (var h = 0; h < 2; h++)
                db.UsageRecords.Add(new UsageRecord
                {
                    TenantId = tenant.Id, PeriodStart = created.AddHours(h), Source = UsageSource.Batch, SourceId = batch.Id, Model = batch.Model,
                    InputTokens = 200_000, OutputTokens = 100_000, AmountMicros = 120_000, RecordedAt = created.AddHours(h + 1),
                });
        }
        // The hourly meter has run all year, up to the last whole hour (without these the pages would compute the month live).
        for (var h = hour.AddHours(-8760); h < hour; h = h.AddHours(1))
            db.MeteredHours.Add(new MeteredHour { Hour = h, MeteredAt = h.AddHours(1).AddMinutes(1) });
        // Sign-ins and other everyday events fill the rest of the audit log: about 30 a day.
        for (var i = 0; i < 11_000; i++)
            AddAudit(db, tenant.Id, email, "account.signed-in", "User", owner.Id, hour.AddHours(-8760 + i * 0.8));
        await db.SaveChangesAsync();
        return email;
    }

    private static void AddAudit(PortalDbContext db, Guid tenantId, string actor, string action, string type, string id, DateTime at) =>
        db.AuditEvents.Add(new AuditEvent { At = at, ActorName = actor, Action = action, TargetType = type, TargetId = id, TenantId = tenantId });

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
    }
}
