using System.Net;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>
/// The tenant's lease pages and agreement downloads as a signed-in browser gets them (prerendered HTML): each
/// tenant sees its own leases, another tenant's lease id is 404 everywhere, the signed PDF prints the hash recorded at signing.
/// </summary>
public sealed class LeasePagesTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-east-2";
    private const string Sku = "h100-sxm-80gb";

    [Fact]
    public async Task The_list_shows_the_tenants_held_and_signed_leases_and_no_other_tenants()
    {
        var ada = await NewOwnerAsync();
        var held = await HoldAsync(ada, gpus: 8);
        var signed = await SignAsync(ada, await HoldAsync(ada, gpus: 16));
        var other = await NewOwnerAsync();
        var theirs = await HoldAsync(other, gpus: 4);

        using var client = await SignedInAsync(ada);
        var html = await client.GetPageAsync("/leases");

        Assert.Contains($"data-lease-id=\"{held.Id}\"", html);
        Assert.Contains($"data-lease-id=\"{signed.Id}\"", html);
        Assert.DoesNotContain(theirs.Id.ToString(), html);
        Assert.Contains("Quote held", html);
        Assert.Contains("Scheduled", html);
        Assert.Contains(Money.Format(signed.PriceMicros), html);

        // Filters come from the query string, so a link keeps them.
        var scheduledOnly = await client.GetPageAsync("/leases?state=Scheduled");
        Assert.Contains(signed.Id.ToString(), scheduledOnly);
        Assert.DoesNotContain(held.Id.ToString(), scheduledOnly);
    }

    [Fact]
    public async Task Another_tenants_lease_is_404_on_every_page_and_download()
    {
        var ada = await NewOwnerAsync();
        var mallory = await NewOwnerAsync();
        var theirs = await SignAsync(mallory, await HoldAsync(mallory, gpus: 8));

        using var client = await SignedInAsync(ada);
        foreach (var url in new[] { $"/leases/{theirs.Id}", $"/leases/{theirs.Id}/review", $"/leases/{theirs.Id}/agreement.pdf" })
        {
            var response = await client.GetAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{url}: {response.StatusCode}");
            Assert.DoesNotContain(theirs.SignerName!, await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task The_signed_agreement_and_its_extensions_download_as_pdfs_printing_the_hashes_recorded_at_signing()
    {
        var ada = await NewOwnerAsync();
        var lease = await SignAsync(ada, await HoldAsync(ada, gpus: 8));
        LeaseAmendment extension;
        await using (var member = await factory.As(ada.TenantId, ada.UserId))
        {
            var quoted = await member.Extending.QuoteExtensionAsync(lease.Id, 6);
            await member.ExtensionSigning.SignExtensionAsync(lease.Id, quoted.Id, "Ada Lovelace", accepted: true);
            extension = (await member.Queries.GetAsync(lease.Id))!.Amendments.Single();
        }

        using var client = await SignedInAsync(ada);
        var pdf = await client.GetAsync($"/leases/{lease.Id}/agreement.pdf");
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        Assert.Contains(lease.AgreementSha256!, LeaseAgreementPdfTests.PageText(await pdf.Content.ReadAsByteArrayAsync()));

        var amendment = await client.GetAsync($"/leases/{lease.Id}/amendments/{extension.Id}/agreement.pdf");
        Assert.Equal(HttpStatusCode.OK, amendment.StatusCode);
        Assert.Contains(extension.AgreementSha256!, LeaseAgreementPdfTests.PageText(await amendment.Content.ReadAsByteArrayAsync()));

        // The lease page links both and shows the extended end.
        var page = await client.GetPageAsync($"/leases/{lease.Id}");
        Assert.Contains($"/leases/{lease.Id}/agreement.pdf", page);
        Assert.Contains($"/leases/{lease.Id}/amendments/{extension.Id}/agreement.pdf", page);
        Assert.Contains(extension.NewEnd.ToString("yyyy-MM-dd HH:mm"), page);
    }

    [Fact]
    public async Task The_review_page_shows_the_agreement_version_the_price_and_the_hold_and_a_signed_quote_goes_to_its_lease()
    {
        var ada = await NewOwnerAsync();
        var held = await HoldAsync(ada, gpus: 16, hours: 200);
        using var client = await SignedInAsync(ada);

        var review = await client.GetPageAsync($"/leases/{held.Id}/review");
        Assert.Contains(LeaseAgreement.Version, review);
        Assert.Contains(Money.Format(held.PriceMicros), review);
        Assert.Contains("data-testid=\"hold-countdown\"", review);
        Assert.Contains("Term discount", review);
        Assert.Contains("Cancel free of charge", review);

        await SignAsync(ada, held);
        var again = await client.GetAsync($"/leases/{held.Id}/review");
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.EndsWith($"/leases/{held.Id}", again.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task An_expired_quote_says_so_and_offers_to_quote_the_same_again()
    {
        var ada = await NewOwnerAsync();
        var held = await HoldAsync(ada, gpus: 8);
        factory.Clock.Advance(TimeSpan.FromMinutes(11));
        using var client = await SignedInAsync(ada);

        var review = await client.GetPageAsync($"/leases/{held.Id}/review");
        Assert.Contains("data-testid=\"quote-expired\"", review);
        Assert.Contains($"/leases/new?sku={Sku}&amp;region={Region}&amp;gpus=8", review);
        Assert.DoesNotContain("data-testid=\"sign-form\"", review);
        Assert.Contains("Expired", await client.GetPageAsync("/leases"));
    }

    [Fact]
    public async Task The_new_lease_page_prefills_from_the_query_string_and_prices_it()
    {
        var ada = await NewOwnerAsync();
        using var client = await SignedInAsync(ada);

        var html = await client.GetPageAsync($"/leases/new?sku={Sku}&region={Region}&gpus=16&hours=48");
        Assert.Contains("data-testid=\"fits\"", html);
        Assert.Contains("16 GPUs × 48 h", html);
        await using var member = await factory.As(ada.TenantId, ada.UserId);
        var check = await member.Availability.CheckAsync(new LeaseRequest(Region, Sku, 16, factory.ThisHour, 48));
        Assert.Contains(Money.Format(check.Price!.TotalMicros), html);
    }

    private sealed record Owner(Guid TenantId, string UserId, string Email);

    private async Task<Owner> NewOwnerAsync()
    {
        var user = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(user);
        return new Owner(tenant.Id, user.Id, user.Email!);
    }

    private async Task<Lease> HoldAsync(Owner owner, int gpus, int hours = 24)
    {
        await using var member = await factory.As(owner.TenantId, owner.UserId);
        return await member.Quoting.HoldAsync(new LeaseRequest(Region, Sku, gpus, factory.ThisHour.AddDays(2), hours));
    }

    private async Task<Lease> SignAsync(Owner owner, Lease held)
    {
        await using var member = await factory.As(owner.TenantId, owner.UserId);
        return await member.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true);
    }

    private async Task<PortalClient> SignedInAsync(Owner owner)
    {
        var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(owner.Email);
        return client;
    }
}
