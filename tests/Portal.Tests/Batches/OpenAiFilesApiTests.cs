using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ApiKeys;
using Portal.Core.Batches;
using Portal.Tests.Infrastructure;
using static Portal.Tests.ApiKeys.ApiKeyAuthenticationTests;
using static Portal.Tests.Batches.OpenAiTestKit;

namespace Portal.Tests.Batches;

/// <summary>/v1/files over raw HTTP: the shapes, and every way an upload is refused with nothing kept.</summary>
public class OpenAiFilesApiTests(OpenAiFilesApiTests.SmallFilesFactory factory) : IClassFixture<OpenAiFilesApiTests.SmallFilesFactory>
{
    /// <summary>Uploads over 2,000 bytes are refused here, so "too big" needs no 200 MB.</summary>
    public sealed class SmallFilesFactory : LeaseFactory
    {
        public const int MaxBytes = 2_000;
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Batches:MaxFileBytes", MaxBytes.ToString())];
    }

    [Fact]
    public async Task An_upload_is_counted_listed_read_back_and_deleted()
    {
        var (_, _, secret) = await NewTenantWithKeyAsync(factory);
        using var http = Http(factory, secret);
        var jsonl = EmbeddingsJsonl(4).TrimEnd('\n'); // no newline after the last line: still 4 lines

        var file = await JsonAsync(await http.PostAsync("/v1/files", Upload(jsonl, "batch")));
        var id = file.GetProperty("id").GetString()!;
        Assert.Equal(("file", Encoding.UTF8.GetByteCount(jsonl), "in.jsonl", "batch", "processed"),
            (file.GetProperty("object").GetString(), file.GetProperty("bytes").GetInt32(), file.GetProperty("filename").GetString(),
             file.GetProperty("purpose").GetString(), file.GetProperty("status").GetString()));
        Assert.Equal(JsonValueKind.Null, file.GetProperty("expires_at").ValueKind);
        Assert.Equal(4, (await RowAsync(id))!.Lines);

        var list = await JsonAsync(await http.GetAsync("/v1/files?purpose=batch&limit=5&order=asc"));
        Assert.Equal("list", list.GetProperty("object").GetString());
        Assert.Equal(id, list.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.Equal(id, list.GetProperty("first_id").GetString());
        Assert.False(list.GetProperty("has_more").GetBoolean());
        Assert.Equal(0, (await JsonAsync(await http.GetAsync("/v1/files?purpose=batch_output"))).GetProperty("data").GetArrayLength());
        Assert.Equal(jsonl, await http.GetStringAsync($"/v1/files/{id}/content"));

        var deleted = await JsonAsync(await http.DeleteAsync($"/v1/files/{id}"));
        Assert.Equal($$"""{"id":"{{id}}","object":"file","deleted":true}""", deleted.GetRawText());
        await OpenAiErrorAsync(await http.GetAsync($"/v1/files/{id}"), HttpStatusCode.NotFound);
        await OpenAiErrorAsync(await http.GetAsync($"/v1/files/{id}/content"), HttpStatusCode.NotFound);
        Assert.False(File.Exists(factory.Services.GetRequiredService<BatchFileStore>().PathOf(id)));
    }

    [Theory]
    [InlineData(null, "purpose", "Missing required parameter: 'purpose'")]
    [InlineData("fine-tune", "purpose", "The only purpose supported is 'batch'")]
    public async Task An_upload_without_the_batch_purpose_is_refused_and_nothing_is_kept(string? purpose, string param, string message)
    {
        var (_, _, secret) = await NewTenantWithKeyAsync(factory);
        using var http = Http(factory, secret);
        var before = StoredFiles();

        var error = await OpenAiErrorAsync(await http.PostAsync("/v1/files", Upload(EmbeddingsJsonl(2), purpose)), HttpStatusCode.BadRequest);

        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString());
        Assert.Equal(before, StoredFiles());
        Assert.Equal(0, (await JsonAsync(await http.GetAsync("/v1/files"))).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task An_upload_without_a_file_or_not_multipart_is_refused()
    {
        var (_, _, secret) = await NewTenantWithKeyAsync(factory);
        using var http = Http(factory, secret);
        var noFile = new MultipartFormDataContent { { new StringContent("batch"), "purpose" } };

        Assert.Equal("file", (await OpenAiErrorAsync(await http.PostAsync("/v1/files", noFile), HttpStatusCode.BadRequest)).GetProperty("param").GetString());
        await OpenAiErrorAsync(await http.PostAsync("/v1/files", new StringContent("{}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_file_over_the_limit_is_refused_with_a_clear_error_and_nothing_is_kept()
    {
        var (_, _, secret) = await NewTenantWithKeyAsync(factory);
        using var http = Http(factory, secret);
        var before = StoredFiles();
        var jsonl = EmbeddingsJsonl(40);
        Assert.True(Encoding.UTF8.GetByteCount(jsonl) > SmallFilesFactory.MaxBytes);

        var error = await OpenAiErrorAsync(await http.PostAsync("/v1/files", Upload(jsonl, "batch")), HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal("file_too_large", error.GetProperty("code").GetString());
        Assert.Contains("2,000 bytes", error.GetProperty("message").GetString());
        Assert.Equal(before, StoredFiles());
        Assert.Equal(0, (await JsonAsync(await http.GetAsync("/v1/files"))).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Unknown_files_are_404_and_viewers_keys_cannot_upload()
    {
        var (tenantId, ownerId, secret) = await NewTenantWithKeyAsync(factory);
        using var http = Http(factory, secret);
        using var read = Http(factory, await NewKeyAsync(factory, tenantId, ownerId, ApiKeyScopes.Read));

        var missing = await OpenAiErrorAsync(await http.GetAsync("/v1/files/file-nope"), HttpStatusCode.NotFound);
        Assert.Equal("No such File object: file-nope", missing.GetProperty("message").GetString());
        await OpenAiErrorAsync(await http.DeleteAsync("/v1/files/file-nope"), HttpStatusCode.NotFound);
        var refused = await OpenAiErrorAsync(await read.PostAsync("/v1/files", Upload(EmbeddingsJsonl(1), "batch")), HttpStatusCode.Forbidden);
        Assert.Equal("insufficient_permissions", refused.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await read.GetAsync("/v1/files")).StatusCode);
        Assert.Equal("Invalid URL (GET /v1/nothing-here)",
            (await OpenAiErrorAsync(await http.GetAsync("/v1/nothing-here"), HttpStatusCode.NotFound)).GetProperty("message").GetString());
    }

    internal static MultipartFormDataContent Upload(string jsonl, string? purpose, string filename = "in.jsonl")
    {
        var content = new MultipartFormDataContent();
        // The file first, as some clients send it: the purpose is checked whichever comes first.
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(jsonl));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        content.Add(file, "file", filename);
        if (purpose is not null) content.Add(new StringContent(purpose), "purpose");
        return content;
    }

    internal static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode,
            $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri} → {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private int StoredFiles() => Directory.GetFiles(factory.Services.GetRequiredService<BatchFileStore>().Root).Length;

    private async Task<BatchFile?> RowAsync(string id)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        return await db.BatchFiles.FirstOrDefaultAsync(f => f.Id == id);
    }
}
