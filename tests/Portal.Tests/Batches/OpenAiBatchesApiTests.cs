using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ApiKeys;
using Portal.Core.Batches;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.ApiKeys.ApiKeyAuthenticationTests;
using static Portal.Tests.Batches.OpenAiFilesApiTests;
using static Portal.Tests.Batches.OpenAiTestKit;

namespace Portal.Tests.Batches;

/// <summary>/v1/batches over raw HTTP: the batch object, and each refusal with nothing created.</summary>
public class OpenAiBatchesApiTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task A_new_batch_is_validating_with_openais_fields_and_nulls()
    {
        var (tenant, http, fileId) = await TenantWithFileAsync();

        var batch = await JsonAsync(await http.PostAsJsonAsync("/v1/batches", Body(fileId)));

        var unix = new DateTimeOffset(factory.Now).ToUnixTimeSeconds();
        Assert.Equal(("batch", "validating", "/v1/embeddings", fileId, "24h"), (batch.GetProperty("object").GetString(),
            batch.GetProperty("status").GetString(), batch.GetProperty("endpoint").GetString(), batch.GetProperty("input_file_id").GetString(),
            batch.GetProperty("completion_window").GetString()));
        Assert.Equal(unix, batch.GetProperty("created_at").GetInt64());
        Assert.Equal(unix + 86_400, batch.GetProperty("expires_at").GetInt64());
        Assert.Equal("""{"total":0,"completed":0,"failed":0}""", batch.GetProperty("request_counts").GetRawText());
        foreach (var field in new[] { "errors", "model", "output_file_id", "error_file_id", "in_progress_at", "finalizing_at", "completed_at",
                     "failed_at", "expired_at", "cancelling_at", "cancelled_at", "usage", "metadata" })
            Assert.Equal(JsonValueKind.Null, batch.GetProperty(field).ValueKind);
        var stored = await BatchAsync(batch.GetProperty("id").GetString()!);
        Assert.Equal((tenant, BatchStatus.Validating), (stored!.TenantId, stored.Status));
        Assert.NotNull(stored.CreatedByApiKeyId);
    }

    [Theory]
    [InlineData("""{"input_file_id":"FILE","endpoint":"/v1/responses","completion_window":"24h"}""", "endpoint", "Invalid value for 'endpoint'")]
    [InlineData("""{"input_file_id":"FILE","endpoint":"/v1/embeddings","completion_window":"48h"}""", "completion_window", "Supported values are: '24h'")]
    [InlineData("""{"input_file_id":"FILE","endpoint":"/v1/embeddings"}""", "completion_window", "Missing required parameter")]
    [InlineData("""{"endpoint":"/v1/embeddings","completion_window":"24h"}""", "input_file_id", "Missing required parameter")]
    [InlineData("""{"input_file_id":"FILE","endpoint":"/v1/embeddings","completion_window":"24h","metadata":{"a":1}}""", "metadata", "expected a string")]
    [InlineData("""{"input_file_id":"FILE","endpoint":"/v1/embeddings","completion_window":"24h","metadata":SEVENTEEN}""", "metadata", "at most 16 pairs")]
    [InlineData("""{"input_file_id":"FILE", """, null, "could not parse the JSON body")]
    public async Task A_bad_request_is_refused_naming_the_parameter_and_creates_nothing(string body, string? param, string message)
    {
        var (_, http, fileId) = await TenantWithFileAsync();
        var seventeen = JsonSerializer.Serialize(Enumerable.Range(1, 17).ToDictionary(i => $"k{i}", i => "v"));
        var json = body.Replace("FILE", fileId).Replace("SEVENTEEN", seventeen);

        var error = await OpenAiErrorAsync(await http.PostAsync("/v1/batches", new StringContent(json, Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest);

        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString());
        Assert.Equal(0, (await JsonAsync(await http.GetAsync("/v1/batches"))).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task An_unknown_or_deleted_input_file_is_404()
    {
        var (_, http, fileId) = await TenantWithFileAsync();
        Assert.Equal("input_file_id", (await OpenAiErrorAsync(await http.PostAsJsonAsync("/v1/batches", Body("file-unknown")), HttpStatusCode.NotFound))
            .GetProperty("param").GetString());
        await JsonAsync(await http.DeleteAsync($"/v1/files/{fileId}"));
        await OpenAiErrorAsync(await http.PostAsJsonAsync("/v1/batches", Body(fileId)), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_suspended_organisation_or_one_at_its_spend_limit_starts_no_batch()
    {
        var (tenant, http, fileId) = await TenantWithFileAsync();
        await UpdateTenantAsync(tenant, t => t.State = TenantState.Suspended, t => t.SuspendedReason = "unpaid invoice");

        var suspended = await OpenAiErrorAsync(await http.PostAsJsonAsync("/v1/batches", Body(fileId)), HttpStatusCode.Forbidden);
        Assert.Equal("tenant_suspended", suspended.GetProperty("code").GetString());
        Assert.Contains("unpaid invoice", suspended.GetProperty("message").GetString());

        await UpdateTenantAsync(tenant, t => t.State = TenantState.Active, t => t.SpendLimitMicros = 5_000_000);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/v1/batches", Body(fileId))).StatusCode);
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            await db.Batches.Where(b => b.TenantId == tenant).ExecuteUpdateAsync(s => s.SetProperty(b => b.CostMicros, 5_000_000));

        var over = await OpenAiErrorAsync(await http.PostAsJsonAsync("/v1/batches", Body(fileId)), HttpStatusCode.Forbidden);
        Assert.Equal(("spend_limit_exceeded", "insufficient_quota"), (over.GetProperty("code").GetString(), over.GetProperty("type").GetString()));
        Assert.Contains("$5.00", over.GetProperty("message").GetString());
        Assert.Equal(1, (await JsonAsync(await http.GetAsync("/v1/batches"))).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Another_organisations_batches_and_files_are_404_and_never_listed()
    {
        var (_, http, fileId) = await TenantWithFileAsync();
        var batchId = (await JsonAsync(await http.PostAsJsonAsync("/v1/batches", Body(fileId)))).GetProperty("id").GetString()!;
        var (_, other, _) = await TenantWithFileAsync();

        Assert.Equal($"No batch found with id '{batchId}'.",
            (await OpenAiErrorAsync(await other.GetAsync($"/v1/batches/{batchId}"), HttpStatusCode.NotFound)).GetProperty("message").GetString());
        await OpenAiErrorAsync(await other.PostAsync($"/v1/batches/{batchId}/cancel", null), HttpStatusCode.NotFound);
        await OpenAiErrorAsync(await other.GetAsync($"/v1/files/{fileId}"), HttpStatusCode.NotFound);
        await OpenAiErrorAsync(await other.GetAsync($"/v1/files/{fileId}/content"), HttpStatusCode.NotFound);
        await OpenAiErrorAsync(await other.DeleteAsync($"/v1/files/{fileId}"), HttpStatusCode.NotFound);
        await OpenAiErrorAsync(await other.PostAsJsonAsync("/v1/batches", Body(fileId)), HttpStatusCode.NotFound);
        Assert.DoesNotContain(batchId, (await other.GetStringAsync("/v1/batches")));
        Assert.DoesNotContain(fileId, (await other.GetStringAsync("/v1/files")));
        Assert.Equal("validating", (await JsonAsync(await http.GetAsync($"/v1/batches/{batchId}"))).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Cancelling_moves_a_running_batch_to_cancelling_once_and_refuses_a_finished_one()
    {
        var (_, http, fileId) = await TenantWithFileAsync();
        var id = (await JsonAsync(await http.PostAsJsonAsync("/v1/batches", Body(fileId)))).GetProperty("id").GetString()!;
        var other = (await JsonAsync(await http.PostAsJsonAsync("/v1/batches", Body(fileId)))).GetProperty("id").GetString()!;

        var cancelling = await JsonAsync(await http.PostAsync($"/v1/batches/{id}/cancel", null));
        factory.Clock.Advance(TimeSpan.FromSeconds(5));
        var again = await JsonAsync(await http.PostAsync($"/v1/batches/{id}/cancel", null));
        Assert.Equal("cancelling", again.GetProperty("status").GetString());
        Assert.Equal(cancelling.GetProperty("cancelling_at").GetInt64(), again.GetProperty("cancelling_at").GetInt64());
        // The input of a batch still running cannot be deleted.
        Assert.Equal("file_in_use",
            (await OpenAiErrorAsync(await http.DeleteAsync($"/v1/files/{fileId}"), HttpStatusCode.Conflict)).GetProperty("code").GetString());

        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            await db.Batches.Where(b => b.Id == other).ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BatchStatus.Completed));
        var refused = await OpenAiErrorAsync(await http.PostAsync($"/v1/batches/{other}/cancel", null), HttpStatusCode.Conflict);
        Assert.Equal("Cannot cancel a batch with status 'completed'.", refused.GetProperty("message").GetString());
        Assert.Equal(BatchStatus.Completed, (await BatchAsync(other))!.Status);
    }

    [Fact]
    public async Task Listing_pages_newest_first_with_after_and_limit()
    {
        var (_, http, fileId) = await TenantWithFileAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Insert(0, (await JsonAsync(await http.PostAsJsonAsync("/v1/batches", Body(fileId)))).GetProperty("id").GetString()!);
            if (i % 2 == 0) factory.Clock.Advance(TimeSpan.FromSeconds(1)); // some share a second: the id breaks the tie
        }
        var seen = new List<string>();
        string? after = null;
        for (var page = 0; page < 3; page++)
        {
            var json = await JsonAsync(await http.GetAsync($"/v1/batches?limit=2{(after is null ? "" : "&after=" + after)}"));
            seen.AddRange(json.GetProperty("data").EnumerateArray().Select(b => b.GetProperty("id").GetString()!));
            Assert.Equal(page < 2, json.GetProperty("has_more").GetBoolean());
            after = json.GetProperty("last_id").GetString();
        }
        // Each id once; newer seconds first (ties in a second are in the database's order of ids, whatever its collation).
        Assert.Equal(ids.Count, seen.Distinct().Count());
        Assert.Equal(ids.Take(2).Order(), seen.Take(2).Order());
        Assert.Equal(ids.Skip(2).Take(2).Order(), seen.Skip(2).Take(2).Order());
        Assert.Equal(ids[4], seen[4]);
        Assert.Equal("limit", (await OpenAiErrorAsync(await http.GetAsync("/v1/batches?limit=0"), HttpStatusCode.BadRequest)).GetProperty("param").GetString());
    }

    [Fact]
    public async Task Read_keys_and_viewers_cannot_create_or_cancel()
    {
        var (tenant, http, fileId) = await TenantWithFileAsync();
        var id = (await JsonAsync(await http.PostAsJsonAsync("/v1/batches", Body(fileId)))).GetProperty("id").GetString()!;
        var ownerId = (await BatchAsync(id))!.CreatedByUserId!;
        using var read = Http(factory, await NewKeyAsync(factory, tenant, ownerId, ApiKeyScopes.Read));

        Assert.Equal("insufficient_permissions", (await OpenAiErrorAsync(await read.PostAsJsonAsync("/v1/batches", Body(fileId)), HttpStatusCode.Forbidden))
            .GetProperty("code").GetString());
        await OpenAiErrorAsync(await read.PostAsync($"/v1/batches/{id}/cancel", null), HttpStatusCode.Forbidden);
        Assert.Equal("validating", (await JsonAsync(await read.GetAsync($"/v1/batches/{id}"))).GetProperty("status").GetString());

        await using var viewer = await factory.As(tenant, await NewMemberAsync(factory, tenant, TenantRole.Viewer));
        var refused = await Assert.ThrowsAsync<TenantActionRefusedException>(() =>
            viewer.Get<BatchService>().CreateAsync(new BatchRequest(fileId, "/v1/embeddings", "24h", null)));
        Assert.Equal(403, refused.Status);
        Assert.Contains("Your role (Viewer) cannot create batches", refused.Message);
    }

    private static object Body(string fileId) => new { input_file_id = fileId, endpoint = "/v1/embeddings", completion_window = "24h" };

    private async Task<(Guid Tenant, HttpClient Http, string FileId)> TenantWithFileAsync()
    {
        var (tenant, _, secret) = await NewTenantWithKeyAsync(factory);
        var http = Http(factory, secret);
        var file = await JsonAsync(await http.PostAsync("/v1/files", Upload(EmbeddingsJsonl(2), "batch")));
        return (tenant, http, file.GetProperty("id").GetString()!);
    }

    private async Task<Batch?> BatchAsync(string id)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.Batches.FirstOrDefaultAsync(b => b.Id == id);
    }

    private async Task UpdateTenantAsync(Guid id, params Action<Tenant>[] changes)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var tenant = await db.Tenants.SingleAsync(t => t.Id == id);
        foreach (var change in changes) change(tenant);
        await db.SaveChangesAsync();
    }
}
