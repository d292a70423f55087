using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ApiKeys;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;
using static Portal.Tests.Batches.OpenAiTestKit;

namespace Portal.Tests.ApiKeys;

/// <summary>Keys over HTTP: refused the moment they are revoked, fenced by their scopes, on /v1 and the lease API.</summary>
public class ApiKeyAuthenticationTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task A_revoked_key_is_refused_on_the_very_next_request()
    {
        var (tenantId, ownerId, secret) = await NewTenantWithKeyAsync(factory);
        using var http = Http(factory, secret);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/models")).StatusCode);

        await using (var owner = await factory.As(tenantId, ownerId))
        {
            var keys = owner.Get<ApiKeyService>();
            await keys.RevokeAsync((await keys.ListAsync())[0].Id);
        }

        var refused = await http.GetAsync("/v1/models");
        var error = await OpenAiErrorAsync(refused, HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.DoesNotContain(secret, error.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/leases")).StatusCode);
    }

    [Fact]
    public async Task Without_a_key_v1_answers_401_in_openais_shape_even_to_a_signed_in_browser()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);

        var error = await OpenAiErrorAsync(await client.GetAsync("/v1/batches"), HttpStatusCode.Unauthorized);
        Assert.Equal(JsonValueKind.Null, error.GetProperty("code").ValueKind);
        Assert.Contains("didn't provide an API key", error.GetProperty("message").GetString());
        using var garbage = Http(factory, "not-a-key");
        Assert.Equal("invalid_api_key",
            (await OpenAiErrorAsync(await garbage.GetAsync("/v1/files"), HttpStatusCode.Unauthorized)).GetProperty("code").GetString());
        // The cookie API is unchanged.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/leases")).StatusCode);
    }

    [Fact]
    public async Task Last_used_is_noted_at_most_once_a_minute()
    {
        var (tenantId, ownerId, secret) = await NewTenantWithKeyAsync(factory);
        using var http = Http(factory, secret);
        var first = factory.Now;

        await http.GetAsync("/v1/models");
        factory.Clock.Advance(TimeSpan.FromSeconds(30));
        await http.GetAsync("/v1/models");
        Assert.Equal(first, await LastUsedAsync(tenantId, ownerId));

        factory.Clock.Advance(TimeSpan.FromSeconds(31));
        await http.GetAsync("/v1/files");
        Assert.Equal(factory.Now, await LastUsedAsync(tenantId, ownerId));
    }

    [Fact]
    public async Task Scopes_fence_the_lease_api_read_reads_and_leases_acts_as_an_admin()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        using var read = Http(factory, await NewKeyAsync(factory, tenantId, ownerId, ApiKeyScopes.Read));
        using var batches = Http(factory, await NewKeyAsync(factory, tenantId, ownerId, ApiKeyScopes.Batches));
        using var leases = Http(factory, await NewKeyAsync(factory, tenantId, ownerId, ApiKeyScopes.Leases));
        var quote = new { region = "us-south-1", sku = "a100-80gb", gpus = 1, start = factory.ThisHour.AddHours(30).ToString("O"), hours = 2 };

        Assert.Equal(HttpStatusCode.OK, (await read.GetAsync("/api/v1/leases")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await read.PostAsJsonAsync("/api/v1/leases/quote", quote)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await batches.GetAsync("/api/v1/leases")).StatusCode);

        var held = await LeaseApiCalls.JsonAsync(await leases.PostAsJsonAsync("/api/v1/leases/quote", quote), HttpStatusCode.Created);
        var id = held.GetProperty("id").GetGuid();
        var signed = await LeaseApiCalls.JsonAsync(
            await leases.PostAsJsonAsync($"/api/v1/leases/{id}/sign", new { signerName = "Build Bot", accept = true }), HttpStatusCode.OK);
        Assert.Equal("Scheduled", signed.GetProperty("state").GetString());
        Assert.Equal(1, (await LeaseApiCalls.JsonAsync(await read.GetAsync("/api/v1/leases"), HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        // A key reaches only the APIs it is for: the organisation API stays cookie-only.
        Assert.Equal(HttpStatusCode.Unauthorized, (await leases.GetAsync("/api/v1/organization")).StatusCode);
    }

    [Fact]
    public async Task A_key_loses_what_its_creator_loses()
    {
        var (tenantId, _) = await factory.NewTenantAsync();
        var adminId = await NewMemberAsync(factory, tenantId, TenantRole.Admin);
        using var http = Http(factory, await NewKeyAsync(factory, tenantId, adminId, ApiKeyScopes.Read | ApiKeyScopes.Batches));
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            await db.Memberships.Where(m => m.UserId == adminId).ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, TenantRole.Viewer));

        var refused = await OpenAiErrorAsync(
            await http.PostAsJsonAsync("/v1/batches", new { input_file_id = "file-x", endpoint = "/v1/embeddings", completion_window = "24h" }),
            HttpStatusCode.Forbidden);
        Assert.Equal("insufficient_permissions", refused.GetProperty("code").GetString());
        Assert.Contains("acts as Viewer", refused.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/batches")).StatusCode);

        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            await db.Memberships.Where(m => m.UserId == adminId).ExecuteDeleteAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/v1/batches")).StatusCode);
    }

    internal static async Task<JsonElement> OpenAiErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status,
            $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri} → {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error").Clone();
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.True(error.TryGetProperty("param", out _) && error.TryGetProperty("code", out _) && error.TryGetProperty("type", out _));
        return error;
    }

    private async Task<DateTime?> LastUsedAsync(Guid tenantId, string ownerId)
    {
        await using var owner = await factory.As(tenantId, ownerId);
        return (await owner.Get<ApiKeyService>().ListAsync())[0].LastUsedAt;
    }
}
