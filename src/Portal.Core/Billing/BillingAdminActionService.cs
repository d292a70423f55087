using Microsoft.EntityFrameworkCore;
using Portal.Core.Admin;
using Portal.Core.Audit;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Refusals;

namespace Portal.Core.Billing;

/// <summary>
/// Support's billing actions across tenants: add credits, void, re-issue, mark paid. Every action is audited; an action
/// that does not apply is refused with a reason and changes nothing. (Searching and reading are <see cref="BillingAdminService"/>'s.)
/// </summary>
public sealed class BillingAdminActionService(IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit, AuditOrigin origin,
    InvoiceIssuer issuer, TimeProvider time)
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private async Task<PortalDbContext> SupportDbAsync(CancellationToken ct) => (await dbFactory.CreateDbContextAsync(ct)).ActAsSupport();

    /// <summary>Adds a credit that the tenant's next invoices take off their totals. A lease, if named, must be the tenant's.</summary>
    public async Task<string> AddCreditAsync(Guid tenantId, long amountMicros, CreditKind kind, string? reason, Guid? leaseId = null,
        CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) throw ActionRefusedException.Invalid(error);
        if (amountMicros <= 0) throw ActionRefusedException.Refused("The amount must be more than $0.00. Nothing was changed.");
        if (amountMicros > BillingAdminActions.MaxCreditMicros)
            throw ActionRefusedException.Refused($"A credit is at most {Money.Format(BillingAdminActions.MaxCreditMicros)}. Nothing was changed.");
        await using var db = await SupportDbAsync(ct);
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Id == tenantId, ct);
        if (tenant is null) throw ActionRefusedException.NotFound("There is no such organisation. Nothing was changed.");
        if (leaseId is { } lid && !await db.Leases.AnyAsync(l => l.Id == lid && l.TenantId == tenantId, ct))
            throw ActionRefusedException.Refused("That lease is not this organisation's. Nothing was changed.");
        var credit = new Credit
        {
            TenantId = tenantId, AmountMicros = amountMicros, Kind = kind, Reason = why, LeaseId = leaseId,
            CreatedByUserId = origin.UserId, CreatedByName = origin.UserName ?? "system", CreatedAt = Now,
        };
        db.Credits.Add(credit);
        audit.Add(db, BillingAdminActions.CreditAdded, BillingAdminActions.CreditTarget, credit.Id.ToString(),
            $"{InvoiceFormat.Kind(kind)} {Money.Format(amountMicros)} for {tenant.Name}", tenantId, why);
        await db.SaveChangesAsync(ct);
        return $"{Money.Format(amountMicros)} credited to {tenant.Name}: the next invoice takes it off its total.";
    }

    /// <summary>
    /// Voids an issued invoice: it no longer counts as owed, and the credits it used are free again (a re-issue uses
    /// them). A paid invoice is refused: money was received against it, so give it back as a credit instead.
    /// </summary>
    public async Task<string> VoidAsync(Guid invoiceId, string? reason, CancellationToken ct = default)
    {
        if (AdminReason.Validate(reason, out var why) is { } error) throw ActionRefusedException.Invalid(error);
        await using var db = await SupportDbAsync(ct);
        var invoice = await db.Invoices.FirstOrDefaultAsync(i => i.Id == invoiceId, ct);
        if (invoice is null) throw NoSuchInvoice();
        if (invoice.State == InvoiceState.Void) throw ActionRefusedException.Refused($"{invoice.Number} is already void. Nothing was changed.");
        if (invoice.State == InvoiceState.Paid)
            throw ActionRefusedException.Refused($"{invoice.Number} is paid: money was received against it, so it stays as it is. " +
                "To give money back, add a credit to the organisation; its next invoice takes it off. Nothing was changed.");
        invoice.State = InvoiceState.Void;
        invoice.VoidedAt = Now;
        invoice.VoidReason = why;
        invoice.Version++;
        audit.Add(db, BillingAdminActions.InvoiceVoided, BillingAdminActions.InvoiceTarget, invoice.Id.ToString(), invoice.Number, invoice.TenantId, why);
        if (!await TrySaveAsync(db, ct)) throw ChangedMeanwhile();
        return $"{invoice.Number} is void. Re-issue it to bill the month again with today's credits.";
    }

    /// <summary>Re-issues a void invoice's month under a new number (credits added since included); the new one says what it replaces.</summary>
    public async Task<string> ReissueAsync(Guid invoiceId, CancellationToken ct = default)
    {
        Invoice? voided;
        await using (var db = await SupportDbAsync(ct))
            voided = await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == invoiceId, ct);
        if (voided is null) throw NoSuchInvoice();
        if (voided.State != InvoiceState.Void)
            throw ActionRefusedException.Refused(
                $"{voided.Number} is {voided.State}: only a void invoice is re-issued (void it first, with a reason). Nothing was changed.");
        var result = await issuer.IssueAsync(voided.TenantId, voided.PeriodStart, voided, ct, (db, created) =>
            audit.Add(db, BillingAdminActions.InvoiceReissued, BillingAdminActions.InvoiceTarget, created.Id.ToString(),
                $"{created.Number} replaces {voided.Number}", created.TenantId));
        if (result.Invoice is null)
            throw ActionRefusedException.Refused($"There is nothing to bill for {InvoiceFormat.Period(voided.PeriodStart)} any more. Nothing was issued.");
        if (!result.Created)
            throw ActionRefusedException.Refused(
                $"{InvoiceFormat.Period(voided.PeriodStart)} already has a live invoice, {result.Invoice.Number}. Nothing was issued.");
        await issuer.SendPendingEmailsAsync(ct);
        return $"Issued {result.Invoice.Number} ({Money.Format(result.Invoice.TotalMicros)}), replacing {voided.Number}.";
    }

    /// <summary>Records that an issued invoice was paid (e.g. a bank transfer; card payments would mark it through a provider's webhook).</summary>
    public async Task<string> MarkPaidAsync(Guid invoiceId, string? reference, CancellationToken ct = default)
    {
        var note = reference?.Trim();
        if (note is { Length: > 200 }) throw ActionRefusedException.Refused("Keep the payment reference under 200 characters. Nothing was changed.");
        await using var db = await SupportDbAsync(ct);
        var invoice = await db.Invoices.FirstOrDefaultAsync(i => i.Id == invoiceId, ct);
        if (invoice is null) throw NoSuchInvoice();
        if (invoice.State != InvoiceState.Issued)
            throw ActionRefusedException.Refused($"{invoice.Number} is {invoice.State}: only an issued invoice can be marked paid. Nothing was changed.");
        invoice.State = InvoiceState.Paid;
        invoice.PaidAt = Now;
        invoice.PaymentReference = string.IsNullOrEmpty(note) ? null : note;
        invoice.Version++;
        audit.Add(db, BillingAdminActions.InvoicePaid, BillingAdminActions.InvoiceTarget, invoice.Id.ToString(), invoice.Number, invoice.TenantId,
            invoice.PaymentReference);
        if (!await TrySaveAsync(db, ct)) throw ChangedMeanwhile();
        return $"{invoice.Number} is marked paid ({Money.Format(invoice.TotalMicros)}).";
    }

    private static ActionRefusedException NoSuchInvoice() => ActionRefusedException.NotFound("There is no such invoice. Nothing was changed.");
    private static ActionRefusedException ChangedMeanwhile() =>
        ActionRefusedException.Refused("Someone changed this invoice meanwhile. Nothing was changed: look again and retry.");

    private static async Task<bool> TrySaveAsync(PortalDbContext db, CancellationToken ct)
    {
        try { await db.SaveChangesAsync(ct); return true; }
        catch (DbUpdateConcurrencyException) { return false; }
    }
}
