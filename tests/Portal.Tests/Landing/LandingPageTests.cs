using System.Net;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Landing;

/// <summary>"/" sells to a visitor (prices, models, what is free, the way in) and stays the dashboard for a signed-in user.</summary>
public sealed class LandingPageTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task A_visitor_at_the_home_page_sees_gpu_prices_models_with_token_prices_free_gpus_and_the_way_in()
    {
        using var client = factory.CreatePortalClient();
        var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode); // not a redirect to a bare sign-in card
        var html = await home.Content.ReadAsStringAsync();

        Assert.Contains("data-testid=\"landing-hero\"", html);
        Assert.Equal(5, Count(html, "data-testid=\"landing-sku\""));
        Assert.Contains("B200 180 GB", html);
        Assert.Contains("$4.99", html); // the B200's on-demand price, from the catalog
        Assert.Contains("$0.89", html); // the L40S's
        Assert.Contains("Free today:", html);
        Assert.Matches(@"[\d,]+ GPUs in us-south-1", html);

        Assert.Equal(4, Count(html, "data-testid=\"landing-model\""));
        Assert.Contains("Muse Spark", html);
        Assert.Contains("$4.00", html); // Muse Spark's output price per million tokens

        Assert.Contains("href=\"/Account/Register\"", html);
        Assert.Contains("href=\"/Account/Login\"", html);
        Assert.Contains("href=\"/catalog/gpus\"", html);
        Assert.Contains("href=\"/catalog/models\"", html);
        Assert.Contains("href=\"/leases/new?sku=b200-180gb&amp;region=us-east-2\"", html); // its first region
        Assert.DoesNotContain("data-testid=\"dashboard-role\"", html);
    }

    [Theory]
    [InlineData("/catalog/gpus")]
    [InlineData("/catalog/gpus/h100-sxm-80gb")]
    [InlineData("/catalog/models")]
    [InlineData("/catalog/models/muse-spark")]
    [InlineData("/catalog/availability")]
    [InlineData("/catalog/availability?region=us-east-2&sku=l40s-48gb")]
    public async Task The_catalog_the_landing_page_links_to_opens_without_an_account(string path)
    {
        using var client = factory.CreatePortalClient();
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("Sign in to Portal", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_signed_in_member_keeps_the_dashboard_at_the_home_page()
    {
        var user = await factory.CreateUserAsync();
        var team = await factory.CreateOrganizationAsync(user);
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(user.Email!);

        var html = await client.GetPageAsync("/");
        Assert.Contains("data-testid=\"dashboard-role\"", html);
        Assert.Contains(team.Name, html);
        Assert.DoesNotContain("data-testid=\"landing-hero\"", html);
    }

    private static int Count(string html, string marker) => html.Split(marker).Length - 1;
}
