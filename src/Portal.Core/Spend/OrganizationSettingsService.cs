using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Refusals;
using Portal.Core.Tenancy;

namespace Portal.Core.Spend;

/// <summary>The organisation's settings page: what it shows, and who may change what.</summary>
public sealed record OrganizationSettings(string Name, string Slug, string? BillingEmail, long? SpendLimitMicros, long CeilingMicros,
    MonthSpend Month, bool CanRename, bool CanManageBilling);

/// <summary>
/// Tenant settings: name, billing e-mail, monthly spend limit. Any member reads them. Owners and Admins rename the
/// organisation (Admins run its people and keys; a name is no money matter); only Owners change the billing e-mail and
/// the spend limit, which is never above the ceiling Support set. Enforced here, whatever page or API calls, with the role
/// the member has now (<see cref="CurrentTenant.RequireRoleAsync"/>); audited. A change returns what it changed; bad input
/// throws a <see cref="FieldsRefusedException"/> (a message under the field), nothing changed.
/// </summary>
public sealed class OrganizationSettingsService(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, AuditLog audit,
    TimeProvider time, IOptions<SpendOptions> options)
{
    public const string Renamed = "tenant.renamed";
    public const string BillingEmailSet = "tenant.billing_email_set";
    public const string SpendLimitSet = "tenant.spend_limit_set";

    public bool CanRename => tenant.HasRole(TenantRole.Admin);
    public bool CanManageBilling => tenant.HasRole(TenantRole.Owner);

    public async Task<OrganizationSettings?> GetAsync(CancellationToken ct = default)
    {
        if (tenant.TenantId is not { } tenantId) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var t = await db.Tenants.AsNoTracking().FirstAsync(x => x.Id == tenantId, ct);
        var month = await MonthSpendReader.ReadAsync(db, tenantId, time.GetUtcNow().UtcDateTime, options.Value, ct);
        return new OrganizationSettings(t.Name, t.Slug, t.BillingEmail, t.SpendLimitMicros, month.CeilingMicros, month, CanRename, CanManageBilling);
    }

    public async Task<string> RenameAsync(string? name, CancellationToken ct = default)
    {
        name = name?.Trim();
        await tenant.RequireRoleAsync(dbFactory, TenantRole.Admin, "rename the organisation", ct);
        if (string.IsNullOrEmpty(name) || name.Length < 2 || name.Length > 100) throw Refused("Name", "Enter a name of 2 to 100 characters.");
        if (NameRules.Problem(name) is { } problem) throw Refused("Name", problem);
        return await ChangeAsync(t => t.Name == name ? null : Apply(() => t.Name = name, Renamed, $"Name \"{t.Name}\" → \"{name}\""), ct);
    }

    /// <summary>Null or blank: invoices and warnings go to the Owners' addresses.</summary>
    public async Task<string> SetBillingEmailAsync(string? email, CancellationToken ct = default)
    {
        email = string.IsNullOrWhiteSpace(email) ? null : email.Trim();
        await tenant.RequireRoleAsync(dbFactory, TenantRole.Owner, "change the billing e-mail", ct);
        if (email is not null && (email.Length > 256 || !new EmailAddressAttribute().IsValid(email) || !email.Contains('.', StringComparison.Ordinal)))
            throw Refused("BillingEmail", "Enter an e-mail address like billing@example.com, or leave it empty to use the Owners' addresses.");
        return await ChangeAsync(t => t.BillingEmail == email ? null
            : Apply(() => t.BillingEmail = email, BillingEmailSet, $"Billing e-mail {t.BillingEmail ?? "(Owners)"} → {email ?? "(Owners)"}"), ct);
    }

    /// <summary>Null: no limit but the ceiling. Lowering it refuses new leases and batches; what is signed stays.</summary>
    public async Task<string> SetSpendLimitAsync(long? micros, CancellationToken ct = default)
    {
        await tenant.RequireRoleAsync(dbFactory, TenantRole.Owner, "change the monthly spend limit", ct);
        if (micros < 0) throw Refused("SpendLimit", "A spend limit cannot be negative.");
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var t = await db.Tenants.Where(t => t.Id == tenant.TenantId).Select(t => new { t.SpendCeilingMicros, t.Verified }).FirstAsync(ct);
            var ceiling = options.Value.CeilingFor(t.SpendCeilingMicros, t.Verified);
            if (micros > ceiling)
                throw Refused("SpendLimit", $"The monthly limit can be at most {Money.Format(ceiling)}, the ceiling set for your organisation. " +
                    (t.SpendCeilingMicros is null && !t.Verified
                        ? "New organisations have a low ceiling until Support verifies them: contact Support to verify yours and raise it."
                        : "Contact Support to raise the ceiling."));
        }
        return await ChangeAsync(t => t.SpendLimitMicros == micros ? null
            : Apply(() => t.SpendLimitMicros = micros, SpendLimitSet, $"Monthly spend limit {Limit(t.SpendLimitMicros)} → {Limit(micros)}"), ct);
    }

    private static string Limit(long? micros) => micros is { } m ? Money.Format(m) : "none (the ceiling)";

    private static (Action Apply, string Action, string Change)? Apply(Action apply, string action, string change) => (apply, action, change);

    private async Task<string> ChangeAsync(Func<Tenant, (Action Apply, string Action, string Change)?> change, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var t = await db.Tenants.FirstAsync(x => x.Id == tenant.TenantId, ct);
        if (change(t) is not { } c) return "Nothing to change.";
        c.Apply();
        audit.Add(db, c.Action, "Tenant", t.Id.ToString(), t.Name, t.Id, c.Change);
        await db.SaveChangesAsync(ct);
        return c.Change + ".";
    }

    private static FieldsRefusedException Refused(string field, string message) => new(new Dictionary<string, string> { [field] = message });
}
