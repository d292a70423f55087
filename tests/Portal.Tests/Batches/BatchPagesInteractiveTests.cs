using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Batches;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Web.Batches;
using static Portal.Tests.Batches.BatchPagesKit;

namespace Portal.Tests.Batches;

/// <summary>
/// The batch pages as a member's circuit runs them (interactive, on the portal's real services): upload and check a
/// file, then create the batch; pasted lines with problems create nothing; cancel after confirming; progress live.
/// </summary>
public sealed class BatchPagesInteractiveTests(LeaseFactory factory) : IClassFixture<LeaseFactory>, IAsyncLifetime
{
    private readonly BunitContext ctx = new();
    private MemberScope? member;
    private Owner owner = default!;

    public async Task InitializeAsync()
    {
        owner = await NewOwnerAsync(factory);
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
    }

    public async Task DisposeAsync()
    {
        await ctx.DisposeAsync();
        if (member is not null) await member.DisposeAsync();
    }

    [Fact]
    public async Task A_member_uploads_a_file_sees_it_pass_the_check_and_creates_the_batch()
    {
        await ActAsync(owner.UserId);
        var navigation = ctx.Services.GetRequiredService<BunitNavigationManager>();
        navigation.NavigateTo("/batches/new?endpoint=embeddings");
        var page = RenderNewBatchPage();
        Assert.True(page.Find("[data-testid=create-batch]").HasAttribute("disabled"));

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(OpenAiTestKit.EmbeddingsJsonl(4), "vectors.jsonl"));

        page.WaitForAssertion(() => Assert.Contains("4 requests for all-minilm-l6-v2", page.Find("[data-testid=check-passed]").TextContent));
        Assert.Contains("vectors.jsonl", page.Find("[data-testid=uploaded-file]").TextContent);
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=create-batch]").HasAttribute("disabled")));
        page.Find("[data-testid=create-batch]").Click();

        page.WaitForAssertion(() => Assert.Matches("/batches/batch_[A-Za-z0-9]{24}$", navigation.Uri));
        var batch = (await member!.Get<BatchService>().ListAsync(null, 10)).Batches.Single();
        Assert.Equal($"http://localhost/batches/{batch.Id}", navigation.Uri);
        Assert.Equal((BatchStatus.Validating, "/v1/embeddings", owner.UserId), (batch.Status, batch.Endpoint, batch.CreatedByUserId));
        var input = await member.Get<BatchFileService>().GetAsync(batch.InputFileId);
        Assert.Equal(("vectors.jsonl", 4), (input!.Filename, input.Lines));
    }

    [Fact]
    public async Task An_upload_left_without_creating_a_batch_is_not_kept()
    {
        await ActAsync(owner.UserId);
        var store = factory.Services.GetRequiredService<BatchFileStore>();
        var before = Directory.GetFiles(store.Root).Length;
        ctx.Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/batches/new?endpoint=embeddings");
        var page = RenderNewBatchPage();

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(OpenAiTestKit.EmbeddingsJsonl(2), "draft.jsonl"));
        page.WaitForElement("[data-testid=check-passed]");
        Assert.Equal(before + 1, Directory.GetFiles(store.Root).Length);

        await ctx.DisposeComponentsAsync(); // the member went elsewhere
        Assert.Equal(before, Directory.GetFiles(store.Root).Length);
        Assert.Empty((await member!.Get<BatchFileService>().ListAsync(null, 10, null, false)).Files);
    }

    [Fact]
    public async Task Pasted_lines_with_problems_show_the_validation_jobs_reasons_by_line_and_nothing_is_created()
    {
        await ActAsync(owner.UserId);
        var page = RenderNewBatchPage();
        var good = BatchExamples.Jsonl("/v1/chat/completions", "muse-spark").Split('\n')[0];

        page.FindAll(".mud-tab").Single(t => t.TextContent.Trim() == "Paste lines").Click();
        // Line 2 is cut short, line 3 repeats line 1's custom_id, line 4 asks an embeddings model for chat.
        var embeddings = good.Replace("request-1", "request-4").Replace("muse-spark", "all-minilm-l6-v2");
        page.WaitForElement("#batch-lines").Change(good + "\n{\"custom_id\": \"request-2\", \"method\": \"POST\"\n" + good + "\n" + embeddings + "\n");
        page.Find("[data-testid=check-lines]").Click();

        page.WaitForAssertion(() => Assert.Contains("3 problems found", page.Find("[data-testid=check-failed]").TextContent));
        var rows = page.FindAll("[data-testid=check-errors] tbody tr");
        Assert.Equal(["2", "3", "4"], rows.Select(r => r.QuerySelector("[data-testid=error-line]")!.TextContent.Trim()));
        Assert.Equal(["invalid_json_line", "duplicate_custom_id", "model_not_supported"], rows.Select(r => r.QuerySelector("code")!.TextContent.Trim()));
        Assert.Contains("is already used on line 1", rows[1].TextContent);
        Assert.True(page.Find("[data-testid=create-batch]").HasAttribute("disabled"));
        Assert.Empty((await member!.Get<BatchService>().ListAsync(null, 10)).Batches);
        Assert.Empty((await member.Get<BatchFileService>().ListAsync(null, 10, null, false)).Files);
    }

    [Fact]
    public async Task The_example_pasted_and_given_the_chosen_model_passes_and_creates_a_chat_batch()
    {
        await ActAsync(owner.UserId);
        var navigation = ctx.Services.GetRequiredService<BunitNavigationManager>();
        var page = RenderNewBatchPage();

        page.Find("[data-testid=paste-example]").Click();
        page.WaitForAssertion(() => Assert.Contains("\"url\":\"/v1/chat/completions\"",
            page.Find("#batch-lines").GetAttribute("value") ?? page.Find("#batch-lines").TextContent));
        page.Find("[data-testid=set-model]").Click();

        page.WaitForAssertion(() => Assert.Contains("3 requests for", page.Find("[data-testid=check-passed]").TextContent));
        page.Find("[data-testid=create-batch]").Click();

        page.WaitForAssertion(() => Assert.Contains("/batches/batch_", navigation.Uri));
        var batch = (await member!.Get<BatchService>().ListAsync(null, 10)).Batches.Single();
        Assert.Equal("/v1/chat/completions", batch.Endpoint);
        Assert.Equal("pasted.jsonl", (await member.Get<BatchFileService>().GetAsync(batch.InputFileId))!.Filename);
    }

    [Fact]
    public async Task Choosing_another_endpoint_checks_the_file_again()
    {
        await ActAsync(owner.UserId);
        ctx.Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/batches/new?endpoint=embeddings");
        var page = RenderNewBatchPage();
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(OpenAiTestKit.EmbeddingsJsonl(2), "vectors.jsonl"));
        page.WaitForElement("[data-testid=check-passed]");

        await page.InvokeAsync(() => page.FindComponent<BatchEndpointPicker>().Instance.EndpointChanged.InvokeAsync("/v1/chat/completions"));

        page.WaitForAssertion(() => Assert.Contains("2 problems found", page.Find("[data-testid=check-failed]").TextContent));
        Assert.Contains("this batch's endpoint is \"/v1/chat/completions\"", page.Find("[data-testid=check-errors]").TextContent);
        Assert.True(page.Find("[data-testid=create-batch]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task A_viewer_is_told_who_can_create_batches_and_gets_no_upload()
    {
        var viewer = await OpenAiTestKit.NewMemberAsync(factory, owner.TenantId, TenantRole.Viewer);
        await ActAsync(viewer);

        var page = ctx.Render<NewBatchPage>();

        page.WaitForAssertion(() => Assert.Contains("Your role (Viewer) can look at batches", page.Find("[data-testid=batch-read-only]").TextContent));
        Assert.Empty(page.FindComponents<InputFile>());
        Assert.Empty(page.FindAll("[data-testid=create-batch]"));
        await Assert.ThrowsAsync<TenantActionRefusedException>(() => member!.Get<BatchFileService>().StoreAsync(new MemoryStream([1])));
    }

    [Fact]
    public async Task Cancelling_asks_first_and_then_shows_the_batch_cancelling()
    {
        var batch = await NewBatchAsync(factory, owner);
        await FinishAsync(factory, batch.Id, BatchStatus.InProgress, completed: 1, failed: 0, null, null);
        await ActAsync(owner.UserId);
        var dialogs = ctx.Render<MudDialogProvider>();
        var page = ctx.Render<BatchPage>(p => p.Add(x => x.Id, batch.Id));

        page.WaitForElement("[data-testid=cancel-batch]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("batch_cancelled", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel batch").Click();

        page.WaitForAssertion(() => Assert.Equal("cancelling", page.Find("[data-testid=batch-status]").GetAttribute("data-status")));
        Assert.Empty(page.FindAll("[data-testid=cancel-batch]"));
        Assert.Equal(BatchStatus.Cancelling, (await ReloadAsync(factory, batch.Id)).Status);
    }

    [Fact]
    public async Task A_batches_list_open_elsewhere_shows_a_cancel_at_once()
    {
        var batch = await NewBatchAsync(factory, owner);
        await FinishAsync(factory, batch.Id, BatchStatus.InProgress, completed: 1, failed: 0, null, null);
        await ActAsync(owner.UserId);
        var list = ctx.Render<BatchesPage>();
        list.WaitForAssertion(() => Assert.Equal("in_progress", list.Find("[data-testid=batch-status]").GetAttribute("data-status")));

        // Cancelled from another tab (or the API): no runner checkpoint comes to tell the list.
        await using (var other = await factory.As(owner.TenantId, owner.UserId))
            await other.Get<BatchService>().CancelAsync(batch.Id);

        list.WaitForAssertion(() => Assert.Equal("cancelling", list.Find("[data-testid=batch-status]").GetAttribute("data-status")));
    }

    [Fact]
    public async Task The_batch_page_follows_the_runners_progress_without_a_reload()
    {
        var batch = await NewBatchAsync(factory, owner);
        await FinishAsync(factory, batch.Id, BatchStatus.InProgress, completed: 0, failed: 0, null, null);
        await ActAsync(owner.UserId);
        var page = ctx.Render<BatchPage>(p => p.Add(x => x.Id, batch.Id));
        page.WaitForAssertion(() => Assert.Equal("in_progress", page.Find("[data-testid=batch-status]").GetAttribute("data-status")));

        // What the runner does at a checkpoint: commit the counts, then publish.
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            await db.Batches.Where(b => b.Id == batch.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.RequestTotal, 3).SetProperty(b => b.RequestCompleted, 2));
        factory.Services.GetRequiredService<PortalChanges>().Publish(new PortalChange(owner.TenantId, PortalChange.Batch, EntityKey: batch.Id));

        page.WaitForAssertion(() => Assert.Equal("2", page.Find("[data-testid=count-completed]").TextContent.Trim()));
        Assert.Equal("1", page.Find("[data-testid=count-waiting]").TextContent.Trim());
    }

    /// <summary>The new batch page once it has loaded the endpoint's models (its example link names one).</summary>
    private IRenderedComponent<NewBatchPage> RenderNewBatchPage()
    {
        var page = ctx.Render<NewBatchPage>();
        page.WaitForAssertion(() => Assert.Contains("model=", page.Find("[data-testid=example-download]").GetAttribute("href")));
        return page;
    }

    /// <summary>The page's services as <paramref name="userId"/>'s circuit has them.</summary>
    private async Task ActAsync(string userId)
    {
        member = await factory.As(owner.TenantId, userId);
        ctx.Services.AddSingleton(member.Get<BatchService>());
        ctx.Services.AddSingleton(member.Get<BatchFileService>());
        ctx.Services.AddSingleton(member.Get<BatchInputCheck>());
        ctx.Services.AddSingleton(member.Get<CurrentTenant>());
        ctx.Services.AddSingleton(member.Get<IDbContextFactory<PortalDbContext>>());
        ctx.Services.AddSingleton(member.Get<IOptions<BatchOptions>>());
        ctx.Services.AddSingleton(factory.Services.GetRequiredService<PortalChanges>());
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        ctx.Render<MudPopoverProvider>();
    }
}
