using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Deals;
using Portal.Core.Leases;
using Portal.Tests.Admin;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;

namespace Portal.Tests.Deals;

/// <summary>
/// Signed amended terms get their PDF like the original agreement: rendered on demand from the signed canonical JSON at once,
/// stored by the after-commit job (once, however often it runs), downloadable from the lease page and the API beside the
/// original; it shows the negotiated rate and the SHA-256 the offer records. Signing them twice signs once.
/// </summary>
public class AmendedAgreementPdfTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task The_signed_amended_terms_pdf_shows_the_rate_and_hash_is_stored_once_and_downloads_beside_the_original()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var id = await LeaseApiCalls.QuoteAsync(client, LeaseApiTests.Body("h100-sxm-80gb", 72, factory.ThisHour.AddHours(60), 3, "us-south-1"));
        await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/sign",
            new { signerName = "Ada Lovelace", accept = true }), HttpStatusCode.OK);
        var lease = await new LifecycleKit(factory).LoadAsync(id);
        var negotiated = lease.OnDemandMicrosPerGpuHour * 7 / 10;
        await using (var support = await SupportScope.CreateAsync(factory))
            await support.Get<DealDesk>().ProposeAsync(id, new DealProposal(negotiated / 1_000_000m, null, lease.Start, lease.End, 24, 50,
                "Reserved hall R7 for a year"));
        var seen = await LeaseApiCalls.JsonAsync(await client.GetAsync($"/api/v1/leases/{id}"), HttpStatusCode.OK);
        var offerId = seen.GetProperty("offers")[0].GetProperty("id").GetGuid();

        var sign = $"/api/v1/leases/{id}/offers/{offerId}/sign";
        var first = await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, sign, new { signerName = "Ada Lovelace", accept = true }),
            HttpStatusCode.OK);
        var again = await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, sign, new { signerName = "Ada Lovelace", accept = true }),
            HttpStatusCode.OK); // a second click, no idempotency key: the terms are signed already
        var signature = first.GetProperty("offers")[0].GetProperty("signature");
        Assert.Equal(signature.GetRawText(), again.GetProperty("offers")[0].GetProperty("signature").GetRawText());
        var sha = signature.GetProperty("agreementSha256").GetString()!;
        Assert.Equal(1, await CountAsync(id, offerId, ".json"));

        // At once, before the job: rendered on demand from the signed terms, through the lease page's link and the API's.
        var page = await client.Http.GetAsync($"/leases/{id}/offers/{offerId}/agreement.pdf");
        Assert.Equal((HttpStatusCode.OK, "application/pdf"), (page.StatusCode, page.Content.Headers.ContentType?.MediaType));
        Assert.Contains("-amended-", page.Content.Headers.ContentDisposition?.FileName);
        var onDemand = await page.Content.ReadAsByteArrayAsync();
        var text = Squeezed(LeaseAgreementPdfTests.PageText(onDemand));
        Assert.Contains(Squeezed($"a negotiated rate of {Money.Format(negotiated)} per GPU-hour"), text);
        Assert.Contains(Squeezed("Reserved hall R7 for a year"), text);
        Assert.Contains(Squeezed(DealAgreement.Version), text);
        Assert.Contains(sha, text);

        using var scope = factory.Services.CreateScope();
        var job = scope.ServiceProvider.GetRequiredService<AgreementPdfJob>();
        Assert.Equal(2, await job.RunAsync(id)); // the original agreement's and the amended terms'
        Assert.Equal(0, await job.RunAsync(id));
        await job.SweepAsync();
        Assert.Equal(1, await CountAsync(id, offerId, ".pdf"));
        Assert.Equal(1, await CountAsync(id, null, ".pdf"));
        var api = await client.GetAsync($"/api/v1/leases/{id}/offers/{offerId}/agreement");
        Assert.True(api.IsSuccessStatusCode, await api.Content.ReadAsStringAsync());
        Assert.Equal(onDemand, await api.Content.ReadAsByteArrayAsync()); // the stored PDF is the one served before the job ran
        Assert.NotEqual(onDemand, await (await client.GetAsync($"/api/v1/leases/{id}/agreement")).Content.ReadAsByteArrayAsync());
    }

    private async Task<int> CountAsync(Guid leaseId, Guid? amendmentId, string extension)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Set<LeaseDocument>().IgnoreQueryFilters()
            .CountAsync(d => d.LeaseId == leaseId && d.AmendmentId == amendmentId && d.FileName.EndsWith(extension));
    }

    private static string Squeezed(string s) => s.Replace("\n", "").Replace(" ", "");
}
