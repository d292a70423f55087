using System.Net;
using Portal.Core.Batches;
using Portal.Core.Catalog;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Batches.BatchPagesKit;

namespace Portal.Tests.Batches;

/// <summary>
/// The batch list and page as a signed-in browser gets them (prerendered HTML and files): each organisation sees its
/// own batches, paged and filtered; a batch's page shows its counts, usage, cost and timeline; downloads are the files
/// the runner wrote (files, problems and other organisations' batches: <see cref="BatchPagesDownloadsTests"/>).
/// </summary>
public sealed class BatchPagesTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    [Fact]
    public async Task An_organisation_without_batches_sees_what_batches_are_and_where_to_start()
    {
        var owner = await NewOwnerAsync(factory);
        using var client = await SignedInAsync(owner.Email);

        var html = await PageAsync(client, "/batches");

        Assert.Contains("data-testid=\"batches-empty\"", html);
        Assert.Contains("No batches yet", html);
        Assert.Contains("href=\"/batches/new\"", html);
        Assert.Contains("href=\"/settings/api-keys\"", html);
        Assert.DoesNotContain("data-testid=\"batches-table\"", html);

        var viewer = await factory.CreateUserAsync();
        await factory.AddMemberAsync(owner.TenantId, viewer, TenantRole.Viewer);
        using var viewerClient = await SignedInAsync(viewer.Email!);
        var viewerHtml = await PageAsync(viewerClient, "/batches");
        Assert.Contains("Your role (Viewer) can look at batches", viewerHtml);
        Assert.DoesNotContain("href=\"/batches/new\"", viewerHtml);
    }

    [Fact]
    public async Task The_list_shows_the_organisations_batches_with_status_progress_and_cost_and_no_other_organisations()
    {
        var ada = await NewOwnerAsync(factory);
        var validating = await NewBatchAsync(factory, ada, filename: "fresh.jsonl");
        var done = await NewBatchAsync(factory, ada, filename: "finished.jsonl");
        await FinishAsync(factory, done.Id, BatchStatus.Completed, completed: 3, failed: 1, OutputLine("a"), "{}\n", costMicros: 1_234_560);
        var other = await NewOwnerAsync(factory);
        var theirs = await NewBatchAsync(factory, other, filename: "theirs.jsonl");

        using var client = await SignedInAsync(ada.Email);
        var html = await PageAsync(client, "/batches");

        Assert.Contains($"data-batch-id=\"{validating.Id}\"", html);
        Assert.Contains($"data-batch-id=\"{done.Id}\"", html);
        Assert.DoesNotContain(theirs.Id, html);
        Assert.DoesNotContain("theirs.jsonl", html);
        Assert.Contains("fresh.jsonl", html);
        Assert.Contains("data-status=\"validating\"", html);
        Assert.Contains("data-status=\"completed\"", html);
        Assert.Contains("4 of 4 done · 1 failed", html);
        Assert.Contains("$1.23456", html);
        Assert.Contains("all-minilm-l6-v2", html);

        // The filter is in the address, so a link keeps it.
        var completedOnly = await PageAsync(client, "/batches?status=completed");
        Assert.Contains(done.Id, completedOnly);
        Assert.DoesNotContain(validating.Id, completedOnly);
        Assert.Contains("data-testid=\"batches-none\"", await PageAsync(client, "/batches?status=expired"));
    }

    [Fact]
    public async Task A_long_list_pages_newest_first()
    {
        var ada = await NewOwnerAsync(factory);
        var ids = new List<string>();
        for (var i = 0; i < Portal.Web.Batches.BatchesPage.PageSize + 1; i++)
        {
            ids.Add((await NewBatchAsync(factory, ada)).Id);
            factory.Clock.Advance(TimeSpan.FromSeconds(1));
        }
        using var client = await SignedInAsync(ada.Email);

        var first = await PageAsync(client, "/batches");
        var second = await PageAsync(client, "/batches?page=2");

        Assert.Contains("data-testid=\"batches-pager\"", first);
        Assert.Contains(ids[^1], first);
        Assert.DoesNotContain(ids[0], first);
        Assert.Contains(ids[0], second);
        Assert.DoesNotContain(ids[1], second);
    }

    [Fact]
    public async Task The_detail_shows_counts_usage_cost_timeline_and_downloads_the_files_the_runner_wrote()
    {
        var ada = await NewOwnerAsync(factory);
        var batch = await NewBatchAsync(factory, ada, filename: "vectors.jsonl");
        var output = OutputLine("req-1") + OutputLine("req-2");
        var errors = """{"id":"batch_req_3","custom_id":"req-3","response":null,"error":{"code":"server_error","message":"gave up"}}""" + "\n";
        await FinishAsync(factory, batch.Id, BatchStatus.Completed, completed: 2, failed: 1, output, errors, inputTokens: 1_234, costMicros: 12_340);
        using var client = await SignedInAsync(ada.Email);

        var html = await PageAsync(client, $"/batches/{batch.Id}");

        Assert.Contains("vectors.jsonl", html);
        Assert.Matches("href=\"/catalog/models/all-minilm-l6-v2\"[^>]*>all-MiniLM-L6-v2</a>", html);
        Assert.Contains($"by {ada.Email}", html);
        Assert.Matches(Shown("count-completed", "2"), html);
        Assert.Matches(Shown("count-failed", "1"), html);
        Assert.Matches(Shown("input-tokens", "1,234"), html);
        Assert.Matches(Shown("batch-cost", $"{Money.Format(12_340)}"), html);
        Assert.Contains("Completed: 2 succeeded, 1 failed", html);
        Assert.Contains("Created; validating every line", html);
        Assert.Contains($"href=\"/batches/{batch.Id}/output.jsonl\"", html);
        Assert.Contains($"href=\"/batches/{batch.Id}/errors.jsonl\"", html);
        Assert.Contains($"kept until {Date(factory.Now.AddDays(30))}", html);
        Assert.DoesNotContain("data-testid=\"cancel-batch\"", html);

        var downloaded = await client.GetAsync($"/batches/{batch.Id}/output.jsonl");
        Assert.Equal(HttpStatusCode.OK, downloaded.StatusCode);
        Assert.Equal(output, await downloaded.Content.ReadAsStringAsync());
        Assert.Equal($"{batch.Id}_output.jsonl",
            downloaded.Content.Headers.ContentDisposition?.FileNameStar ?? downloaded.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(errors, await (await client.GetAsync($"/batches/{batch.Id}/errors.jsonl")).Content.ReadAsStringAsync());
        Assert.Equal(OpenAiTestKit.EmbeddingsJsonl(3), await (await client.GetAsync($"/batches/{batch.Id}/input.jsonl")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_running_batch_has_no_output_to_download_yet_and_offers_cancel()
    {
        var ada = await NewOwnerAsync(factory);
        var batch = await NewBatchAsync(factory, ada);
        using var client = await SignedInAsync(ada.Email);

        var html = await PageAsync(client, $"/batches/{batch.Id}");

        Assert.Contains("data-testid=\"cancel-batch\"", html);
        Assert.Contains("Appears when the batch finishes.", html);
        Assert.Contains("Checking lines", html);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/batches/{batch.Id}/output.jsonl")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/batches/{batch.Id}/errors.jsonl")).StatusCode);
    }

    private Task<PortalClient> SignedInAsync(string email) => BatchPagesKit.SignedInAsync(factory, email);
}
