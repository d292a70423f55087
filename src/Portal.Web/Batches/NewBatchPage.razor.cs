using System.Text;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MudBlazor;
using Portal.Core.Batches;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Web.Refusals;

namespace Portal.Web.Batches;

/// <summary>
/// A new batch from an uploaded file (streamed to the file store as it arrives, never held whole) or a few pasted
/// lines. The input is checked line by line before the batch can be created; an upload left unsubmitted is discarded.
/// </summary>
public partial class NewBatchPage
{
    /// <summary>
    /// Pasted text travels in one SignalR message, which Blazor Server caps at 32 KB: 8,000 characters stay under it
    /// even when every one takes 3 bytes in UTF-8. More than that is a file to upload.
    /// </summary>
    public const int MaxPasteChars = 8_000;
    private const int UploadTab = 0;

    [Inject] private BatchService Batches { get; set; } = default!;
    [Inject] private BatchFileService Files { get; set; } = default!;
    [Inject] private BatchInputCheck Check { get; set; } = default!;
    [Inject] private IDbContextFactory<PortalDbContext> DbFactory { get; set; } = default!;
    [Inject] private CurrentTenant Tenant { get; set; } = default!;
    [Inject] private IOptions<BatchOptions> Options { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    /// <summary><c>embeddings</c>, <c>chat-completions</c> or <c>completions</c>, as in the example files' names.</summary>
    [SupplyParameterFromQuery(Name = "endpoint")] public string? EndpointSlug { get; set; }

    private readonly List<BreadcrumbItem> breadcrumbs = [new("Batches", "/batches"), new("New batch", null, disabled: true)];
    private string endpoint = BatchService.Endpoints[0];
    private string? model;
    private List<HostedModel> models = [];
    private int source = UploadTab;
    private string? pasted;
    private StoredUpload? stored;
    private BatchFile? uploaded;
    private string? uploadName;
    private long uploadSize, uploadedBytes;
    private bool uploading, checking, creating, created;
    private BatchInputReport? report;
    private string? error;

    private bool Actionable => RendererInfo.IsInteractive && !uploading && !checking && !creating;
    private double UploadPercent => uploadSize == 0 ? 0 : 100.0 * uploadedBytes / uploadSize;

    protected override async Task OnInitializedAsync()
    {
        if (EndpointSlug is { } slug && BatchUi.EndpointOfSlug(slug) is { } e) endpoint = e;
        await LoadModelsAsync();
    }

    private async Task LoadModelsAsync()
    {
        models = await BatchExamples.ModelsForAsync(DbFactory, endpoint);
        if (models.All(m => m.Id != model)) model = models.FirstOrDefault()?.Id;
    }

    private async Task ChooseEndpointAsync(string chosen)
    {
        endpoint = chosen;
        await LoadModelsAsync();
        // The url of every line must be the batch's endpoint: what passed for one endpoint may not pass for another.
        if (report is not null) await CheckAsync();
    }

    private void ChooseModel(string chosen) => model = chosen;

    private void PasteExample()
    {
        if (model is null) return;
        Paste(BatchExamples.Jsonl(endpoint, model));
        source = 1;
    }

    private void Paste(string? text)
    {
        pasted = text;
        report = null; // checked text only: a change needs a new check
        error = null;
    }

    private async Task UseModelOnEveryLineAsync()
    {
        if (model is null || string.IsNullOrWhiteSpace(pasted)) return;
        Paste(BatchExamples.WithModel(pasted, model));
        await CheckAsync();
    }

    private async Task UploadAsync(IBrowserFile? file)
    {
        if (file is null) return;
        DiscardUpload();
        (report, error, uploaded) = (null, null, null);
        var max = Options.Value.MaxFileBytes;
        if (file.Size > max)
        {
            error = $"{file.Name} has {BatchUi.Bytes(file.Size)}; a batch file may have at most {BatchUi.Bytes(max)}. Split it into several batches.";
            return;
        }
        (uploading, uploadName, uploadSize, uploadedBytes) = (true, file.Name, file.Size, 0);
        try
        {
            await using var content = new ProgressStream(file.OpenReadStream(maxAllowedSize: max), Math.Max(64 * 1024, file.Size / 50),
                read => InvokeAsync(() => { uploadedBytes = read; StateHasChanged(); }));
            error = await PageRefusals.RefusalAsync(async () => stored = await Files.StoreAsync(content));
        }
        catch (IOException e) { error = $"The upload of {file.Name} stopped: {e.Message} Try again."; }
        finally { uploading = false; }
        if (stored is not null) await CheckAsync();
    }

    private async Task CheckAsync()
    {
        (checking, error) = (true, null);
        StateHasChanged();
        try
        {
            if (source == UploadTab)
                report = (stored?.FileId ?? uploaded?.Id) is { } fileId ? await Check.CheckStoredAsync(fileId, endpoint) : null;
            else if (!string.IsNullOrWhiteSpace(pasted))
                report = await Check.CheckAsync(new MemoryStream(Encoding.UTF8.GetBytes(pasted)), endpoint);
        }
        finally { checking = false; }
    }

    private async Task CreateAsync()
    {
        if (report is not { Passed: true }) return;
        (creating, error) = (true, null);
        try
        {
            error = await PageRefusals.RefusalAsync(CreateBatchAsync);
        }
        finally { creating = false; }
    }

    private async Task CreateBatchAsync()
    {
        BatchFile file;
        if (source == UploadTab)
        {
            // Recorded once: a batch refused after that (e.g. the spend limit) can be tried again on the same file.
            uploaded ??= await Files.CreateAsync(stored!, uploadName, BatchFileService.BatchPurpose);
            stored = null; // the file owns the bytes now
            file = uploaded;
        }
        else file = await Files.UploadAsync(new MemoryStream(Encoding.UTF8.GetBytes(pasted ?? "")), "pasted.jsonl", BatchFileService.BatchPurpose);
        var batch = await Batches.CreateAsync(new BatchRequest(file.Id, endpoint, BatchService.CompletionWindow, null));
        created = true;
        Navigation.NavigateTo($"/batches/{batch.Id}");
    }

    private void DiscardUpload()
    {
        if (stored is not null) Files.Discard(stored);
        stored = null;
    }

    public ValueTask DisposeAsync()
    {
        // Bytes uploaded and then left (the member went elsewhere) are not kept.
        if (!created) DiscardUpload();
        return ValueTask.CompletedTask;
    }
}
