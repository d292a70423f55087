using System.Security.Cryptography;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;

namespace Portal.Core.Leases;

/// <summary>
/// Renders signed agreements' PDFs after their signing committed, from the signed terms stored at signing
/// (<see cref="SignedTerms"/>): rendering a PDF takes milliseconds of CPU, which the signer no longer waits for and no
/// pool lock covers. The PDF is stored beside the terms; until then <see cref="LeaseQueries.GetDocumentAsync"/> renders the
/// same bytes on demand. A minutely sweep runs it for whatever was signed lately, rather than one queued job per lease,
/// so signing writes nothing to the job storage. Run twice, or beside another run, it stores each PDF once.
/// </summary>
[AutomaticRetry(Attempts = 0)] // the sweep runs again in a minute anyway
public sealed class AgreementPdfJob(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time, ILogger<AgreementPdfJob> logger)
{
    public const string RecurringId = "agreement-pdfs";

    /// <summary>Signed terms older than this without a PDF are left to be rendered on demand (they would mean a bug, not a delay).</summary>
    public static readonly TimeSpan Lookback = TimeSpan.FromDays(2);

    private const int PerSweep = 1000;

    /// <summary>Renders the PDF of every signed terms of leases signed within <see cref="Lookback"/> that has none yet.</summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        var since = time.GetUtcNow().UtcDateTime - Lookback;
        List<Guid> leaseIds;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var documents = db.Set<LeaseDocument>().IgnoreQueryFilters().AsNoTracking();
            leaseIds = await documents
                .Where(d => d.CreatedAt >= since && d.FileName.EndsWith(SignedTerms.JsonExtension)
                    && !documents.Any(p => p.LeaseId == d.LeaseId && p.AmendmentId == d.AmendmentId && p.FileName.EndsWith(SignedTerms.PdfExtension)))
                .Select(d => d.LeaseId).Distinct().Take(PerSweep).ToListAsync(ct);
        }
        var rendered = 0;
        foreach (var leaseId in leaseIds)
        {
            try { rendered += await RunAsync(leaseId, ct); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Rendering the agreement PDF of lease {LeaseId} failed; it is rendered on demand until a sweep succeeds.", leaseId);
            }
        }
        return rendered;
    }

    /// <summary>Renders and stores the PDFs a lease's signed terms (the agreement's, each extension's) lack; how many it stored.</summary>
    public async Task<int> RunAsync(Guid leaseId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var documents = await db.Set<LeaseDocument>().IgnoreQueryFilters().AsNoTracking().Where(d => d.LeaseId == leaseId)
            .Select(d => new { d.Id, d.TenantId, d.AmendmentId, d.FileName }).ToListAsync(ct);
        var missing = documents.Where(d => d.FileName.EndsWith(SignedTerms.JsonExtension)
            && !documents.Any(p => p.AmendmentId == d.AmendmentId && p.FileName.EndsWith(SignedTerms.PdfExtension))).ToList();
        var stored = 0;
        foreach (var terms in missing)
        {
            var source = await db.Set<LeaseDocument>().IgnoreQueryFilters().AsNoTracking().FirstAsync(d => d.Id == terms.Id, ct);
            var pdf = PdfOf(source); // outside the lock: the only slow part
            db.ForTenant(terms.TenantId);
            await using var tx = await db.Locks.BeginTeamAsync(db, terms.TenantId, ct); // one writer at a time decides "not there yet"
            if (await db.Set<LeaseDocument>().AnyAsync(d => d.LeaseId == leaseId && d.AmendmentId == terms.AmendmentId
                    && d.FileName.EndsWith(SignedTerms.PdfExtension), ct))
                continue;
            db.Add(pdf);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
            stored++;
        }
        return stored;
    }

    /// <summary>The PDF of stored signed terms, as the job stores it (same bytes every time): a new, unsaved document.</summary>
    public static LeaseDocument PdfOf(LeaseDocument signedTerms)
    {
        var pdf = LeaseAgreementPdf.Render(signedTerms.Content);
        return new LeaseDocument
        {
            TenantId = signedTerms.TenantId, LeaseId = signedTerms.LeaseId, AmendmentId = signedTerms.AmendmentId,
            // Named after its signed terms: "…-agreement", "…-extension-…" or a deal's "…-amended-…" (DealAgreement.FileName).
            FileName = Path.ChangeExtension(signedTerms.FileName, SignedTerms.PdfExtension),
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(pdf)), Content = pdf, CreatedAt = signedTerms.CreatedAt,
        };
    }
}
