using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Landing;

/// <summary>The SKU page leads to the New lease form filled in; a visitor goes through sign-in and lands on it.</summary>
public sealed class LeaseThisTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private const string LeaseLink = "/leases/new?sku=b200-180gb&region=us-east-2";

    [Fact]
    public async Task The_sku_page_offers_lease_this_for_the_sku_and_for_each_region()
    {
        using var client = factory.CreatePortalClient();
        var html = await client.GetPageAsync("/catalog/gpus/b200-180gb");
        Assert.Contains("data-testid=\"sku-lease\"", html);
        Assert.Contains("href=\"/leases/new?sku=b200-180gb&amp;region=us-south-1\"", html);
        Assert.Contains("href=\"/leases/new?sku=b200-180gb&amp;region=us-east-2\"", html);
    }

    [Fact]
    public async Task A_visitor_who_follows_lease_this_signs_in_and_lands_on_the_form_filled_in()
    {
        var user = await factory.CreateUserAsync();
        await factory.CreateOrganizationAsync(user);
        using var client = factory.CreatePortalClient();

        var anonymous = await client.GetAsync(LeaseLink);
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        var login = anonymous.Headers.Location!.OriginalString;
        Assert.Contains("Account/Login", login);
        Assert.Contains(Uri.EscapeDataString(LeaseLink), login);

        var signedIn = await client.SubmitFormAsync(login, "login", new Dictionary<string, string>
        {
            ["Input.Email"] = user.Email!, ["Input.Password"] = PortalFactory.Password,
        });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var back = signedIn.Headers.Location!.OriginalString;
        Assert.EndsWith(LeaseLink.TrimStart('/'), back);

        var form = await client.GetPageAsync(LeaseLink);
        Assert.Contains("value=\"B200 180 GB\"", form); // the GPU type picked on the SKU page
        Assert.Contains("value=\"us-east-2\"", form); // and the region the link named, not the first one
    }

    [Fact]
    public async Task A_new_customer_without_an_organisation_is_asked_for_one_on_the_way_to_the_form_and_not_sent_home()
    {
        var user = await factory.CreateUserAsync();
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(user.Email!);

        var response = await client.GetAsync(LeaseLink);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.EndsWith("/organizations/new?returnUrl=" + Uri.EscapeDataString(LeaseLink), response.Headers.Location!.OriginalString);
        // From the home page there is nowhere to go back to.
        var fromHome = await client.GetAsync("/");
        Assert.EndsWith("/organizations/new", fromHome.Headers.Location!.OriginalString);
    }
}
