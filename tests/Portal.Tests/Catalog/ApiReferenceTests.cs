using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Web.Hosting;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Catalog;

/// <summary>The API reference is the product's: its title and an introduction a first caller needs, without Scalar's own toolbar.</summary>
public sealed class ApiReferenceTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task The_openapi_document_is_titled_as_the_product_and_introduces_keys_scopes_errors_and_limits()
    {
        using var client = factory.CreatePortalClient();
        using var document = JsonDocument.Parse(await client.GetPageAsync("/openapi/v1.json"));
        var info = document.RootElement.GetProperty("info");

        Assert.Equal("Portal GPU Cloud API", info.GetProperty("title").GetString());
        var description = info.GetProperty("description").GetString()!;
        Assert.Contains("Authorization: Bearer", description);
        Assert.Contains("/settings/api-keys", description);
        Assert.Contains("`Leases`", description);
        Assert.Contains("RFC 7807", description);
        Assert.Contains("429", description);
        // The configured limits (the tests raise them), not figures written into the text.
        var limits = factory.Services.GetRequiredService<IOptions<RateLimitSettings>>().Value.Api;
        Assert.Contains($"{limits.PerKey:N0} requests per {limits.WindowSeconds} s per API key", description);
    }

    [Fact]
    public async Task The_reference_page_carries_the_title_and_hides_the_developer_toolbar_with_its_deploy_button()
    {
        using var client = factory.CreatePortalClient();
        var page = await client.GetPageAsync("/api/docs/");
        Assert.Contains("<title>Portal GPU Cloud API</title>", page);
        Assert.DoesNotContain("Portal.Web | v1", page);
        Assert.Matches("\"showDeveloperTools\"\\s*:\\s*\"never\"", page);
    }
}
