using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Tests.Batches;
using Portal.Tests.Infrastructure;
using Portal.Tests.Leases;

namespace Portal.Tests.Hosting;

/// <summary>An oversized body to the JSON APIs is a 413 in the API's own shape, not an error page; uploads keep their own limit.</summary>
public sealed class RequestBodyLimitTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private const int FortyMegabytes = 40 * 1024 * 1024;

    [Fact]
    public async Task Forty_megabytes_of_json_to_the_portal_api_is_a_413_problem_and_creates_nothing()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);

        var response = await client.Http.PostAsync("/api/v1/organizations", Json(OrganisationBody(FortyMegabytes)));

        await AssertProblemAsync(response);
        Assert.Equal(0, await CountOrganisationsNamedAsync("Huge"));
    }

    [Fact]
    public async Task A_body_without_a_length_is_cut_off_at_the_cap_too()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(OrganisationBody(2 * 1024 * 1024))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await client.Http.PostAsync("/api/v1/organizations", content);

        await AssertProblemAsync(response);
        Assert.Equal(0, await CountOrganisationsNamedAsync("Huge"));
    }

    [Fact]
    public async Task Forty_megabytes_of_json_to_v1_is_a_413_in_openai_shape()
    {
        var (_, _, secret) = await OpenAiTestKit.NewTenantWithKeyAsync(factory);
        using var http = OpenAiTestKit.Http(factory, secret);

        var response = await http.PostAsync("/v1/batches", Json(new string(' ', FortyMegabytes) + "{}"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("request_too_large", error.GetProperty("code").GetString());
        Assert.Contains("1,048,576", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_file_upload_over_the_json_cap_is_still_accepted()
    {
        var (_, _, secret) = await OpenAiTestKit.NewTenantWithKeyAsync(factory);
        var sdk = OpenAiTestKit.Sdk(factory, secret);
        var jsonl = OpenAiTestKit.EmbeddingsJsonl(1).Replace("line 1", new string('x', 2 * 1024 * 1024));

        var id = await OpenAiTestKit.UploadAsync(sdk, jsonl);

        Assert.StartsWith("file-", id);
    }

    private static string OrganisationBody(int padding) =>
        JsonSerializer.Serialize(new { name = "Huge", slug = "huge-" + Guid.NewGuid().ToString("N")[..8], padding = new string('x', padding) });

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task AssertProblemAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{(int)response.StatusCode}: {text[..Math.Min(text.Length, 500)]}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(413, JsonDocument.Parse(text).RootElement.GetProperty("status").GetInt32());
    }

    private async Task<int> CountOrganisationsNamedAsync(string name)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Tenants.CountAsync(t => t.Name == name);
    }

    /// <summary>A stream that will not say how long it is, so the body goes chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
