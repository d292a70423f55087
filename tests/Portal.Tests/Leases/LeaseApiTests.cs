using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>The lease REST API over HTTP with a signed-in member: quote, sign, get, list, and how it says no.</summary>
public class LeaseApiTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const string Region = "us-south-1";
    private const string Sku = "h100-sxm-80gb";

    [Fact]
    public async Task A_member_quotes_signs_gets_and_lists_a_lease_and_downloads_its_agreement()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var start = factory.ThisHour.AddHours(30);
        var key = "quote-" + Guid.NewGuid();

        var quoted = await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote", Body(Sku, 8, start, 168), key);
        var held = await LeaseApiCalls.JsonAsync(quoted, HttpStatusCode.Created);
        var id = held.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/leases/{id}", quoted.Headers.Location!.OriginalString);
        Assert.Equal("Held", held.GetProperty("state").GetString());
        Assert.Equal(factory.Now.AddMinutes(10), held.GetProperty("holdExpiresAt").GetDateTime().ToUniversalTime());
        var price = held.GetProperty("price");
        Assert.Equal(8 * 168, price.GetProperty("gpuHours").GetInt64());
        Assert.Equal(2.49m, price.GetProperty("onDemandUsdPerGpuHour").GetDecimal());
        Assert.Equal(5m, price.GetProperty("discountPercent").GetDecimal()); // a week's term discount
        Assert.Equal(2_365_500, price.GetProperty("microsPerGpuHour").GetInt64());
        Assert.Equal(8L * 168 * 2_365_500, price.GetProperty("totalMicros").GetInt64());
        Assert.Equal(3179.232m, price.GetProperty("totalUsd").GetDecimal());
        Assert.Equal(8L * 168 * (2_490_000 - 2_365_500), price.GetProperty("discountMicros").GetInt64());

        // The same request again (a retry) answers with the same hold and holds nothing more.
        var again = await LeaseApiCalls.JsonAsync(
            await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote", Body(Sku, 8, start, 168), key), HttpStatusCode.OK);
        Assert.Equal(id, again.GetProperty("id").GetGuid());
        Assert.Equal(1, await CountAsync(db => db.Leases.CountAsync(l => l.QuoteKey == key)));

        var signBody = new { signerName = "Ada Lovelace", accept = true };
        var signed = await LeaseApiCalls.JsonAsync(
            await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/sign", signBody, "sign-" + id), HttpStatusCode.OK);
        Assert.Equal("Scheduled", signed.GetProperty("state").GetString());
        Assert.Equal("Ada Lovelace", signed.GetProperty("signature").GetProperty("signerName").GetString());
        var resigned = await LeaseApiCalls.JsonAsync(
            await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/sign", signBody, "sign-" + id), HttpStatusCode.OK);
        Assert.Equal(signed.GetProperty("signature").GetProperty("agreementSha256").GetString(),
            resigned.GetProperty("signature").GetProperty("agreementSha256").GetString());
        Assert.Equal(1, await CountAsync(db => db.Set<LeaseDocument>().CountAsync(d => d.LeaseId == id && d.FileName.EndsWith(".json"))));

        var lease = await LeaseApiCalls.JsonAsync(await client.GetAsync($"/api/v1/leases/{id}"), HttpStatusCode.OK);
        var allocations = lease.GetProperty("allocations").EnumerateArray().ToList();
        Assert.Equal(8, allocations.Sum(a => a.GetProperty("gpus").GetInt32()));
        Assert.All(allocations, a => Assert.Equal("Firm", a.GetProperty("status").GetString()));
        Assert.Contains(lease.GetProperty("events").EnumerateArray(), e => e.GetProperty("message").GetString()!.StartsWith("Signed by Ada Lovelace"));
        Assert.Equal($"/api/v1/leases/{id}/agreement", lease.GetProperty("links").GetProperty("agreement").GetString());

        var pdf = await client.GetAsync($"/api/v1/leases/{id}/agreement");
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString(await pdf.Content.ReadAsByteArrayAsync())[..4]);

        Assert.Contains(id, await ListIdsAsync(client, ""));
        Assert.Contains(id, await ListIdsAsync(client, "?state=scheduled&sku=" + Sku + "&region=" + Region));
        Assert.DoesNotContain(id, await ListIdsAsync(client, "?state=Active"));
        Assert.DoesNotContain(id, await ListIdsAsync(client, "?sku=a100-80gb"));
    }

    [Fact]
    public async Task A_signed_lease_is_extended_through_a_signed_amendment_and_then_cancelled()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var start = factory.ThisHour.AddHours(40);
        var id = await LeaseApiCalls.QuoteAsync(client, Body("a100-80gb", 8, start, 10));
        await LeaseApiCalls.JsonAsync(
            await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/sign", new { signerName = "Ada Lovelace", accept = true }), HttpStatusCode.OK);

        var extendable = await LeaseApiCalls.JsonAsync(await client.GetAsync($"/api/v1/leases/{id}/extendable-until"), HttpStatusCode.OK);
        Assert.True(extendable.GetProperty("maxExtensionHours").GetInt32() >= 5);
        var key = "extend-" + id;
        var amendment = await LeaseApiCalls.JsonAsync(
            await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/extend", new { hours = 5 }, key), HttpStatusCode.Created);
        var again = await LeaseApiCalls.JsonAsync(
            await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/extend", new { hours = 5 }, key), HttpStatusCode.OK);
        var amendmentId = amendment.GetProperty("id").GetGuid();
        Assert.Equal(amendmentId, again.GetProperty("id").GetGuid());
        Assert.Equal("Held", amendment.GetProperty("state").GetString());
        Assert.Equal(8 * 5, amendment.GetProperty("price").GetProperty("gpuHours").GetInt64());

        var extended = await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/amendments/{amendmentId}/sign",
            new { signerName = "Ada Lovelace", accept = true }), HttpStatusCode.OK);
        Assert.Equal(start.AddHours(15), extended.GetProperty("end").GetDateTime().ToUniversalTime());
        Assert.Equal("Signed", extended.GetProperty("amendments")[0].GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/leases/{id}/amendments/{amendmentId}/agreement")).StatusCode);

        var cancelled = await LeaseApiCalls.JsonAsync(await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/cancel", new { }), HttpStatusCode.OK);
        Assert.Equal("Cancelled", cancelled.GetProperty("state").GetString());
        Assert.All(cancelled.GetProperty("allocations").EnumerateArray(), a => Assert.Equal("Released", a.GetProperty("status").GetString()));
        await LeaseApiCalls.ProblemAsync(
            await LeaseApiCalls.PostAsync(client, $"/api/v1/leases/{id}/release", new { }), HttpStatusCode.Conflict, "not_releasable");
    }

    [Fact]
    public async Task The_list_pages_through_every_lease_once()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
            ids.Add(await LeaseApiCalls.QuoteAsync(client, Body("l40s-48gb", 1, factory.ThisHour.AddHours(60 + i), 2)));

        var first = await LeaseApiCalls.JsonAsync(await client.GetAsync("/api/v1/leases?limit=2"), HttpStatusCode.OK);
        var after = first.GetProperty("nextAfter").GetGuid();
        var second = await LeaseApiCalls.JsonAsync(await client.GetAsync($"/api/v1/leases?limit=2&after={after}"), HttpStatusCode.OK);

        Assert.True(first.GetProperty("hasMore").GetBoolean());
        Assert.False(second.GetProperty("hasMore").GetBoolean());
        var listed = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(l => l.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(ids.OrderBy(i => i), listed.OrderBy(i => i));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/leases?limit=0")).StatusCode);
    }

    [Fact]
    public async Task Signed_out_callers_get_a_401_problem()
    {
        using var client = factory.CreatePortalClient();

        var response = await client.GetAsync("/api/v1/leases");
        var quote = await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote", Body(Sku, 1, factory.ThisHour.AddHours(3), 1));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, quote.StatusCode);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_lease_api()
    {
        using var client = factory.CreatePortalClient();

        var doc = await client.GetPageAsync("/openapi/v1.json");

        Assert.Contains("/api/v1/leases/quote", doc);
        Assert.Contains("/api/v1/leases/{id}/sign", doc);
        Assert.Contains("\"Leases\"", doc);
        Assert.Contains("Quote a lease and hold its capacity", doc);
    }

    internal static object Body(string sku, int gpus, DateTime start, int hours, string region = Region) =>
        new { region, sku, gpus, start = start.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"), hours };

    private static async Task<List<Guid>> ListIdsAsync(PortalClient client, string query)
    {
        var page = await LeaseApiCalls.JsonAsync(await client.GetAsync("/api/v1/leases" + query), HttpStatusCode.OK);
        return [.. page.GetProperty("items").EnumerateArray().Select(l => l.GetProperty("id").GetGuid())];
    }

    private async Task<int> CountAsync(Func<Portal.Core.Data.PortalDbContext, Task<int>> count)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await count(db);
    }
}

/// <summary>Calls to the lease API the way a program would make them, and the checks on what comes back.</summary>
internal static class LeaseApiCalls
{
    /// <summary>A new organisation whose Owner is signed in over HTTP.</summary>
    public static async Task<(PortalClient Client, Guid TenantId, Portal.Core.Data.ApplicationUser Owner)> NewOwnerAsync(PortalFactory factory)
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner);
        var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(owner.Email!);
        return (client, tenant.Id, owner);
    }

    public static Task<HttpResponseMessage> PostAsync(PortalClient client, string url, object body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return client.Http.SendAsync(request);
    }

    /// <summary>Quotes and returns the held lease's id.</summary>
    public static async Task<Guid> QuoteAsync(PortalClient client, object body) =>
        (await JsonAsync(await PostAsync(client, "/api/v1/leases/quote", body), HttpStatusCode.Created)).GetProperty("id").GetGuid();

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected,
            $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri} → {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a problem details answer with its status and code, and returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var problem = await JsonAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        return problem;
    }

    /// <summary>Asserts a 400 validation problem and returns its errors by field.</summary>
    public static async Task<Dictionary<string, string[]>> ValidationErrorsAsync(HttpResponseMessage response)
    {
        var problem = await JsonAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        return problem.GetProperty("errors").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(m => m.GetString()!).ToArray());
    }
}
