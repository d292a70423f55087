using System.Net;
using Portal.Core.Batches;
using Portal.Core.Catalog;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Batches.BatchPagesKit;

namespace Portal.Tests.Batches;

/// <summary>
/// A batch's files and problems as a signed-in browser gets them: files past retention say so and are gone, a failed
/// validation lists its problems by line, another organisation's batch is 404 on every page and download, and the
/// example files are requests a catalog model can run.
/// </summary>
public sealed class BatchPagesDownloadsTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task Files_deleted_after_retention_say_so_and_are_404()
    {
        var ada = await NewOwnerAsync(factory);
        var batch = await NewBatchAsync(factory, ada);
        await FinishAsync(factory, batch.Id, BatchStatus.Completed, completed: 3, failed: 0, OutputLine("a"), null);
        factory.Clock.Advance(TimeSpan.FromDays(31));
        await ExpireFilesAsync(factory, batch.Id);
        using var client = await SignedInAsync(ada.Email);

        var html = await PageAsync(client, $"/batches/{batch.Id}");

        Assert.Contains($"Deleted after retention on {Date(factory.Now)}.", html);
        Assert.Contains("None: every request succeeded.", html);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/batches/{batch.Id}/output.jsonl")).StatusCode);
    }

    [Fact]
    public async Task A_batch_that_failed_validation_lists_its_problems_by_line()
    {
        var ada = await NewOwnerAsync(factory);
        var batch = await NewBatchAsync(factory, ada);
        await FailValidationAsync(factory, batch.Id,
            """[{"code":"duplicate_custom_id","message":"Line 7: custom_id \"a\" is already used on line 2.","param":"custom_id","line":7}]""");
        using var client = await SignedInAsync(ada.Email);

        var html = await PageAsync(client, $"/batches/{batch.Id}");

        Assert.Contains("data-testid=\"batch-validation\"", html);
        Assert.Matches(Shown("error-line", "7"), html);
        Assert.Contains("is already used on line 2.", html);
        Assert.Contains("duplicate_custom_id", html);
        Assert.Contains("nothing was run or charged", html);
    }

    [Fact]
    public async Task Another_organisations_batch_is_404_on_its_page_and_every_download()
    {
        var ada = await NewOwnerAsync(factory);
        var mallory = await NewOwnerAsync(factory);
        var theirs = await NewBatchAsync(factory, mallory, filename: "secret-plans.jsonl");
        await FinishAsync(factory, theirs.Id, BatchStatus.Completed, completed: 3, failed: 0, OutputLine("secret"), "{}\n");
        using var client = await SignedInAsync(ada.Email);

        foreach (var url in new[] { $"/batches/{theirs.Id}", $"/batches/{theirs.Id}/output.jsonl", $"/batches/{theirs.Id}/errors.jsonl",
                     $"/batches/{theirs.Id}/input.jsonl", "/batches/batch_doesnotexist" })
        {
            var response = await client.GetAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{url}: {response.StatusCode}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("secret", body);
        }
        using var anonymous = factory.CreatePortalClient();
        var signedOut = await anonymous.GetAsync($"/batches/{theirs.Id}/output.jsonl");
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Contains("/Account/Login", signedOut.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("embeddings", "/v1/embeddings", "all-minilm-l6-v2", null)]
    [InlineData("chat-completions", "/v1/chat/completions", "muse-spark", "muse-spark")]
    [InlineData("completions", "/v1/completions", "llama-4-maverick-17b-128e-instruct", null)]
    public async Task Example_files_are_requests_for_their_endpoint_on_a_catalog_model(string slug, string endpoint, string model, string? asked)
    {
        using var http = factory.CreateClient();

        var response = await http.GetAsync($"/batches/example/{slug}.jsonl" + (asked is null ? "" : $"?model={asked}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        foreach (var line in lines)
        {
            var json = System.Text.Json.JsonDocument.Parse(line).RootElement;
            Assert.Equal(("POST", endpoint, model), (json.GetProperty("method").GetString(), json.GetProperty("url").GetString(),
                json.GetProperty("body").GetProperty("model").GetString()));
        }
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/batches/example/images.jsonl")).StatusCode);
    }

    private Task<PortalClient> SignedInAsync(string email) => BatchPagesKit.SignedInAsync(factory, email);
}
