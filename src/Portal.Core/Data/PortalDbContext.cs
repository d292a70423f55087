using System.Reflection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Portal.Core.ApiKeys;
using Portal.Core.Audit;
using Portal.Core.Batches;
using Portal.Core.Catalog;
using Portal.Core.Email;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Core.Tenancy;

namespace Portal.Core.Data;

public class PortalDbContext : IdentityDbContext<ApplicationUser>, IDataProtectionKeyContext
{
    public PortalDbContext(DbContextOptions<PortalDbContext> options, PortalLocks locks, CurrentTenant? currentTenant = null) : base(options)
    {
        Locks = locks;
        TenantFilterId = currentTenant?.TenantId;
    }

    /// <summary>The portal's locks (one set per portal, from DI), which transactions on this database take.</summary>
    public PortalLocks Locks { get; }

    /// <summary>The tenant whose rows this context sees and may write. Null: no tenant-owned rows at all.</summary>
    public Guid? TenantFilterId { get; private set; }

    /// <summary>True only inside admin services, which audit what they do across tenants.</summary>
    public bool CrossTenant { get; private set; }

    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<OutboxEmail> OutboxEmails => Set<OutboxEmail>();
    public DbSet<Region> Regions => Set<Region>();
    public DbSet<GpuSku> GpuSkus => Set<GpuSku>();
    public DbSet<Node> Nodes => Set<Node>();
    public DbSet<HostedModel> Models => Set<HostedModel>();
    public DbSet<Lease> Leases => Set<Lease>();
    public DbSet<Allocation> Allocations => Set<Allocation>();
    public DbSet<LeaseAmendment> LeaseAmendments => Set<LeaseAmendment>();
    public DbSet<LeaseEvent> LeaseEvents => Set<LeaseEvent>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<BatchFile> BatchFiles => Set<BatchFile>();
    public DbSet<Batch> Batches => Set<Batch>();
    public DbSet<BatchCheckpoint> BatchCheckpoints => Set<BatchCheckpoint>();
    public DbSet<Billing.UsageRecord> UsageRecords => Set<Billing.UsageRecord>();
    public DbSet<Billing.MeteredHour> MeteredHours => Set<Billing.MeteredHour>();
    public DbSet<Billing.Invoice> Invoices => Set<Billing.Invoice>();
    public DbSet<Billing.InvoiceLine> InvoiceLines => Set<Billing.InvoiceLine>();
    public DbSet<Billing.Credit> Credits => Set<Billing.Credit>();
    public DbSet<Billing.CreditApplication> CreditApplications => Set<Billing.CreditApplication>();
    public DbSet<ScriptJobs.ScriptJob> ScriptJobs => Set<ScriptJobs.ScriptJob>();
    public DbSet<ScriptJobs.ScriptJobTask> ScriptJobTasks => Set<ScriptJobs.ScriptJobTask>();
    public DbSet<ScriptJobs.ScriptJobSample> ScriptJobSamples => Set<ScriptJobs.ScriptJobSample>();
    public DbSet<Spend.SpendWarning> SpendWarnings => Set<Spend.SpendWarning>();
    /// <summary>Cookie and token keys, shared by every web process of a deployment.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>Scopes this context to one tenant, e.g. in a background job that was given a tenant's id.</summary>
    public PortalDbContext ForTenant(Guid tenantId)
    {
        TenantFilterId = tenantId;
        CrossTenant = false;
        return this;
    }

    /// <summary>Lifts tenant isolation for this context. Only admin services call this, and they audit.</summary>
    public PortalDbContext ActAsSupport()
    {
        CrossTenant = true;
        return this;
    }

    /// <summary>Every DateTime reads back as UTC on every provider, so no caller fixes Kind by hand.</summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);

        var apply = typeof(PortalDbContext).GetMethod(nameof(ApplyTenantFilter), BindingFlags.NonPublic | BindingFlags.Instance)!;
        foreach (var type in builder.Model.GetEntityTypes().Select(t => t.ClrType).Where(typeof(ITenantOwned).IsAssignableFrom))
            apply.MakeGenericMethod(type).Invoke(this, [builder]);
    }

    private void ApplyTenantFilter<T>(ModelBuilder builder) where T : class, ITenantOwned =>
        builder.Entity<T>().HasQueryFilter(e => CrossTenant || e.TenantId == TenantFilterId);
}
