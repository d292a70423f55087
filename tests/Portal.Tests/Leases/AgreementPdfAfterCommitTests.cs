using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>
/// Signing stores the signed terms (canonical JSON) and records their SHA-256; the PDF is rendered from them after
/// commit. A member can download it at once (rendered on demand), the job stores exactly those bytes, once, and the
/// PDF shows the very text that was hashed and the hash.
/// </summary>
public sealed class AgreementPdfAfterCommitTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-east-2";
    private const string Sku = "h200-141gb";

    [Fact]
    public async Task The_hash_recorded_at_signing_is_of_the_signed_terms_and_the_pdf_shows_those_terms_and_that_hash()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var held = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 4, factory.ThisHour.AddHours(50), 30));
        var signed = await member.Signing.SignAsync(held.Id, "Grace Hopper", accepted: true);

        var stored = await member.Queries.GetSignedTermsAsync(held.Id);
        Assert.NotNull(stored);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stored!.Content)), signed.AgreementSha256);
        var terms = SignedTerms.Parse(stored.Content);
        Assert.Equal(stored.Content, terms.ToJson()); // canonical: parsing and writing again gives the bytes that were hashed
        Assert.Equal((held.Id, "Grace Hopper", "203.0.113.7", LeaseAgreement.Version),
            (terms.LeaseId, terms.Signature.SignerName, terms.Signature.IpAddress, terms.AgreementVersion));
        var all = string.Join("\n", terms.Sections.SelectMany(s => s.Paragraphs));
        Assert.Contains("4 x ", all);
        Assert.Contains(Money.Format(held.PriceMicros), all);

        // The pages' text without the footers, which a paragraph running onto the next page would have in its middle.
        var pageText = LeaseAgreementPdfTests.PageText((await member.Queries.GetDocumentAsync(held.Id))!.Content);
        var text = Squeezed(string.Join("\n", pageText.Split('\n')
            .Where(l => !Regex.IsMatch(l, @"^Page \d+ of \d+$") && !(l.StartsWith(LeaseAgreement.Provider) && l.EndsWith(held.Id.ToString())))));
        Assert.Contains(signed.AgreementSha256!, text);
        Assert.All(terms.Sections.SelectMany(s => s.Paragraphs.Prepend(s.Heading)), p => Assert.Contains(Squeezed(p), text));
    }

    [Fact]
    public async Task The_job_stores_the_pdf_served_before_it_ran_and_running_it_again_changes_nothing()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var held = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 2, factory.ThisHour.AddHours(60), 10));
        await member.Signing.SignAsync(held.Id, "Grace Hopper", accepted: true);
        Assert.Equal(0, await PdfCountAsync(held.Id)); // nothing rendered while signing
        var onDemand = (await member.Queries.GetDocumentAsync(held.Id))!;

        using var scope = factory.Services.CreateScope();
        var job = scope.ServiceProvider.GetRequiredService<AgreementPdfJob>();
        Assert.True(await job.SweepAsync() >= 1);
        Assert.Equal(1, await PdfCountAsync(held.Id));
        var stored = (await member.Queries.GetDocumentAsync(held.Id))!;
        Assert.Equal(onDemand.Content, stored.Content);
        Assert.Equal(onDemand.Sha256, stored.Sha256);

        Assert.Equal(0, await job.RunAsync(held.Id));
        await job.SweepAsync();
        Assert.Equal(1, await PdfCountAsync(held.Id));
        Assert.Equal(stored.Content, (await member.Queries.GetDocumentAsync(held.Id))!.Content);
    }

    private async Task<int> PdfCountAsync(Guid leaseId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Set<LeaseDocument>().IgnoreQueryFilters().CountAsync(d => d.LeaseId == leaseId && d.FileName.EndsWith(".pdf"));
    }

    /// <summary>Text without line breaks and spaces, so a paragraph wrapped over lines still matches.</summary>
    private static string Squeezed(string s) => s.Replace("\n", "").Replace(" ", "");
}
