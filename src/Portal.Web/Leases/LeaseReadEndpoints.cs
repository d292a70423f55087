using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Web.Leases;

/// <summary>GET one lease and its signed PDFs; the answer every lease action returns too.</summary>
internal static class LeaseReadEndpoints
{
    public static async Task<IResult> GetAsync(Guid id, LeaseQueries leases, TimeProvider time, CancellationToken ct) =>
        TypedResults.Ok(new LeaseJson(await leases.GetAsync(id, ct) ?? throw LeaseException.NotFound(), time.GetUtcNow().UtcDateTime));

    public static async Task<IResult> AgreementAsync(Guid id, LeaseQueries leases, IDbContextFactory<PortalDbContext> dbFactory, CancellationToken ct)
    {
        if (await leases.GetDocumentAsync(id, null, ct) is { } doc) return TypedResults.File(doc.Content, "application/pdf", doc.FileName);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        throw await db.Leases.AnyAsync(l => l.Id == id, ct)
            ? new LeaseException("not_signed", "This lease is not signed yet, so there is no agreement to download.", 404)
            : LeaseException.NotFound();
    }

    public static async Task<IResult> AmendmentAgreementAsync(Guid id, Guid amendmentId, LeaseQueries leases, CancellationToken ct) =>
        await leases.GetDocumentAsync(id, amendmentId, ct) is { } doc
            ? TypedResults.File(doc.Content, "application/pdf", doc.FileName)
            : throw new LeaseException("not_found", "No signed amendment with that id on this lease.", 404);
}
