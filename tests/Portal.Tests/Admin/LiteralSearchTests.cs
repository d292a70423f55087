using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Admin;
using Portal.Core.Batches;
using Portal.Core.Billing;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Admin;

/// <summary>
/// '%' and '_' typed into Support's search boxes are plain characters: "50%" finds "50%", not "500", and a lone
/// "%" does not list everything. Runs on PostgreSQL too (PORTAL_TEST_POSTGRES), where LIKE escaping differs.
/// </summary>
public sealed class LiteralSearchTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private readonly string marker = "zq" + Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task Tenant_user_and_audit_searches_take_wildcards_literally()
    {
        var (percent, _, underscore, _) = await TenantsAsync();
        var exact = await factory.CreateUserAsync($"{marker}.a_b@example.com");
        await factory.CreateUserAsync($"{marker}.axb@example.com");
        await using var scope = await SupportScope.CreateAsync(factory);
        var tenants = scope.Get<TenantAdminService>();
        foreach (var id in await AllAsync())
            await tenants.SuspendAsync(id, "for the audit search");

        var byPercent = await tenants.SearchAsync($"50% {marker}");
        var byUnderscore = await tenants.SearchAsync($"a_b {marker}");
        var lonePercent = await tenants.SearchAsync("%", pageSize: 100);
        var users = await scope.Get<UserAdminService>().SearchAsync($"{marker}.a_b");
        var audit = await scope.Get<AuditSearchService>().SearchAsync(new AuditQuery(Action: "tenant.suspended", Target: $"50% {marker}"));

        Assert.Equal([percent], byPercent.Items.Select(t => t.Id));
        Assert.Equal([underscore], byUnderscore.Items.Select(t => t.Id));
        Assert.NotEmpty(lonePercent.Items);
        Assert.All(lonePercent.Items, t => Assert.Contains("%", t.Name));
        Assert.Equal([exact.Id], users.Items.Select(u => u.Id));
        Assert.Equal([percent.ToString()], audit.Items.Select(e => e.TargetId));
    }

    [Fact]
    public async Task Lease_batch_and_billing_searches_take_wildcards_literally()
    {
        var (percent, near, underscore, _) = await TenantsAsync();
        Guid lease = default;
        foreach (var id in new[] { percent, near })
        {
            var ownerId = await OwnerAsync(id);
            await using var member = await factory.As(id, ownerId);
            var held = await member.Quoting.HoldAsync(new LeaseRequest("us-south-1", "a100-80gb", 1, factory.ThisHour.AddHours(30), 2));
            if (id == percent) lease = held.Id;
        }
        var batches = new Dictionary<Guid, string>();
        foreach (var id in await AllAsync()) batches[id] = await InsertBatchAndInvoiceAsync(id);
        await using var scope = await SupportScope.CreateAsync(factory);
        var billing = scope.Get<BillingAdminService>();

        var leases = await scope.Get<LeaseAdminQueries>().SearchAsync(new AdminLeaseQuery(Tenant: $"50% {marker}"));
        var leasesByPercent = await scope.Get<LeaseAdminQueries>().SearchAsync(new AdminLeaseQuery(Tenant: "%", PageSize: 100));
        var batchRows = await scope.Get<BatchAdminService>().SearchAsync(new AdminBatchQuery(Tenant: $"a_b {marker}"));
        var invoices = await billing.SearchAsync(new InvoiceQuery(Tenant: $"50% {marker}"));
        var invoicesByPercent = await billing.SearchAsync(new InvoiceQuery(Tenant: "%", PageSize: 100));
        var picked = await billing.FindTenantsAsync($"a_b {marker}");

        Assert.Equal([lease], leases.Items.Select(l => l.Id));
        Assert.All(leasesByPercent.Items, l => Assert.Contains("%", l.TenantName));
        Assert.Equal([batches[underscore]], batchRows.Items.Select(b => b.Id));
        Assert.Equal([percent], invoices.Items.Select(i => i.TenantId));
        Assert.NotEmpty(invoicesByPercent.Items);
        Assert.All(invoicesByPercent.Items, i => Assert.Contains("%", i.TenantName));
        Assert.Equal([underscore], picked.Select(t => t.Id));
    }

    [Theory]
    [InlineData("50%", "%50\\%%")]
    [InlineData("a_b", "%a\\_b%")]
    [InlineData("c:\\x", "%c:\\\\x%")]
    public void A_pattern_escapes_both_wildcards_and_the_escape_character(string typed, string pattern) =>
        Assert.Equal(pattern, LikePattern.Containing(typed));

    /// <summary>"Deal 50% …" and near misses a wildcard would also match: "Deal 500 …", "Deal a_b …", "Deal axb …".</summary>
    private async Task<(Guid Percent, Guid Near, Guid Underscore, Guid NearUnderscore)> TenantsAsync()
    {
        var ids = new List<Guid>();
        foreach (var name in new[] { $"Deal 50% {marker}", $"Deal 500 {marker}", $"Deal a_b {marker}", $"Deal axb {marker}" })
            ids.Add((await factory.CreateOrganizationAsync(await factory.CreateUserAsync(), name)).Id);
        return (ids[0], ids[1], ids[2], ids[3]);
    }

    private async Task<List<Guid>> AllAsync()
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return [.. db.Tenants.Where(t => t.Name.EndsWith(marker)).Select(t => t.Id)];
    }

    private async Task<string> OwnerAsync(Guid tenantId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return db.Memberships.First(m => m.TenantId == tenantId).UserId;
    }

    private async Task<string> InsertBatchAndInvoiceAsync(Guid tenantId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var now = factory.Now;
        var file = new BatchFile
        {
            Id = "file-" + Guid.NewGuid().ToString("N")[..20], TenantId = tenantId, Filename = "in.jsonl", Purpose = "batch", CreatedAt = now
        };
        var batch = new Batch
        {
            Id = "batch_" + Guid.NewGuid().ToString("N")[..24], TenantId = tenantId, Endpoint = "/v1/chat/completions", InputFileId = file.Id,
            Status = BatchStatus.Completed, CreatedAt = now, ExpiresAt = now.AddHours(24), CompletedAt = now,
        };
        db.BatchFiles.Add(file);
        db.Batches.Add(batch);
        db.Invoices.Add(new Invoice
        {
            TenantId = tenantId, Number = "INV-" + Guid.NewGuid().ToString("N")[..10], PeriodStart = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            State = InvoiceState.Issued, CreatedAt = now, IssuedAt = now,
        });
        await db.SaveChangesAsync();
        return batch.Id;
    }
}
