using Portal.Core.Leases;

namespace Portal.Web.Leases;

/// <summary>
/// The signed agreement PDFs, for the signed-in member's browser (cookie): the lease's, each extension's and the signed amended terms'.
/// The tenant filter makes another tenant's lease exactly as absent as one that never existed: 404.
/// </summary>
public static class LeaseDownloads
{
    public static WebApplication MapLeaseDownloads(this WebApplication app)
    {
        var leases = app.MapGroup("/leases/{id:guid}").RequireAuthorization().ExcludeFromDescription();
        leases.MapGet("/agreement.pdf", (Guid id, LeaseQueries service, CancellationToken ct) => PdfAsync(service, id, null, ct));
        leases.MapGet("/amendments/{amendmentId:guid}/agreement.pdf",
            (Guid id, Guid amendmentId, LeaseQueries service, CancellationToken ct) => PdfAsync(service, id, amendmentId, ct));
        leases.MapGet("/offers/{offerId:guid}/agreement.pdf",
            (Guid id, Guid offerId, LeaseQueries service, CancellationToken ct) => PdfAsync(service, id, offerId, ct));
        return app;
    }

    /// <summary>Where the lease page links the PDF of signed amended terms (stored under the offer's id, like an extension's).</summary>
    public static string OfferPdf(Guid leaseId, Guid offerId) => $"/leases/{leaseId}/offers/{offerId}/agreement.pdf";

    private static async Task<IResult> PdfAsync(LeaseQueries service, Guid leaseId, Guid? amendmentId, CancellationToken ct)
    {
        var document = await service.GetDocumentAsync(leaseId, amendmentId, ct);
        if (document is null) return Results.NotFound();
        // A signed document never changes: its SHA-256 is its ETag.
        return Results.File(document.Content, "application/pdf", document.FileName, lastModified: document.CreatedAt,
            entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{document.Sha256}\""));
    }
}
