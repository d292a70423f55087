using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

public class LeaseHoldAndSignTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-south-1";
    private const string Sku = "h100-sxm-80gb";

    [Fact]
    public async Task A_quote_holds_capacity_at_an_exact_price_and_signing_makes_it_firm()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var start = factory.ThisHour.AddHours(30);
        var held = await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 12, start, 200));

        Assert.Equal(LeaseState.Held, held.State);
        Assert.Equal(12, held.Allocations.Sum(a => a.Gpus));
        Assert.Equal(12L * 200 * held.MicrosPerGpuHour, held.PriceMicros);
        Assert.Equal(factory.Now.AddMinutes(10), held.HoldExpiresAt);

        var signed = await member.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true, idempotencyKey: "sign-1");
        Assert.Equal(LeaseState.Scheduled, signed.State);
        Assert.Equal("Ada Lovelace", signed.SignerName);
        Assert.Equal("203.0.113.7", signed.SignerIp);
        Assert.Equal(LeaseAgreement.Version, signed.AgreementVersion);
        // The recorded hash is the signed terms' (their canonical JSON, stored at signing); the PDF prints it.
        var terms = await member.Queries.GetSignedTermsAsync(held.Id);
        Assert.NotNull(terms);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(terms!.Content)), signed.AgreementSha256);
        Assert.Equal("Ada Lovelace", SignedTerms.Parse(terms.Content).Signature.SignerName);
        var pdf = await member.Queries.GetDocumentAsync(held.Id);
        Assert.NotNull(pdf);
        Assert.Contains(signed.AgreementSha256!, LeaseAgreementPdfTests.PageText(pdf!.Content));

        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var allocations = await db.Allocations.Where(a => a.LeaseId == held.Id).ToListAsync();
        Assert.All(allocations, a => Assert.Equal(AllocationStatus.Firm, a.Status));
    }
}
