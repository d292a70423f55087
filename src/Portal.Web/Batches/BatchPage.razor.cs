using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Portal.Core.Batches;
using Portal.Core.Data;
using Portal.Core.Tenancy;
using Portal.Web.Refusals;

namespace Portal.Web.Batches;

/// <summary>
/// One batch: where it is (timeline), how far it got (counts), what it used and costs, its files, and cancel.
/// The runner publishes progress (LiveUpdates), so counts move and the status turns Completed without a reload.
/// Another organisation's batch id is a 404, as one that never existed.
/// </summary>
public partial class BatchPage
{
    [Inject] private BatchService Batches { get; set; } = default!;
    [Inject] private IDbContextFactory<PortalDbContext> DbFactory { get; set; } = default!;
    [Inject] private CurrentTenant Tenant { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Parameter] public string Id { get; set; } = "";

    /// <summary>The batch with its files, its model's name and who created it.</summary>
    public sealed record Detail(Batch Batch, BatchFile? Input, BatchFile? Output, BatchFile? Errors, string? ModelName, string? CreatedBy);

    private Detail? detail;
    private OpenAiBatchErrorsJson? errors;
    private string? actionError;
    private bool busy;
    private List<BreadcrumbItem> breadcrumbs = [];

    private string Title => detail?.Input?.Filename ?? detail?.Batch.Id ?? "Batch";
    private bool Actionable => RendererInfo.IsInteractive && !busy;
    private bool CanCancel => detail?.Batch.Status is BatchStatus.Validating or BatchStatus.InProgress;

    private Severity NoteSeverity => detail!.Batch.Status switch
    {
        BatchStatus.Completed => detail.Batch.RequestFailed > 0 ? Severity.Warning : Severity.Success,
        BatchStatus.Failed => Severity.Error,
        BatchStatus.Expired or BatchStatus.Cancelling or BatchStatus.Cancelled => Severity.Warning,
        _ => Severity.Info,
    };

    protected override async Task OnParametersSetAsync()
    {
        await LoadAsync();
        if (detail is null) return;
        breadcrumbs = [new("Batches", "/batches"), new(Title, null, disabled: true)];
    }

    private async Task LoadAsync()
    {
        detail = await LoadAsync(DbFactory, Id);
        if (detail is null)
        {
            Navigation.NotFound();
            return;
        }
        errors = OpenAiJson.Errors(detail.Batch.ErrorsJson);
    }

    /// <summary>Null when there is no such batch in the caller's organisation (the tenant filter hides the others').</summary>
    public static async Task<Detail?> LoadAsync(IDbContextFactory<PortalDbContext> dbFactory, string id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var batch = await db.Batches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, ct);
        if (batch is null) return null;
        var ids = new[] { batch.InputFileId, batch.OutputFileId, batch.ErrorFileId }.OfType<string>().ToList();
        var files = await db.BatchFiles.AsNoTracking().Where(f => ids.Contains(f.Id)).ToDictionaryAsync(f => f.Id, ct);
        var model = batch.Model is null ? null : await db.Models.AsNoTracking().Where(m => m.Id == batch.Model).Select(m => m.Name).FirstOrDefaultAsync(ct);
        var createdBy = batch.CreatedByApiKeyId is { } keyId
            ? "API key " + (await db.ApiKeys.AsNoTracking().Where(k => k.Id == keyId).Select(k => k.Name).FirstOrDefaultAsync(ct) ?? "(deleted)")
            : batch.CreatedByUserId is { } userId
                ? await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Email).FirstOrDefaultAsync(ct)
                : null;
        return new Detail(batch, files.GetValueOrDefault(batch.InputFileId), File(files, batch.OutputFileId), File(files, batch.ErrorFileId), model, createdBy);
    }

    private static BatchFile? File(Dictionary<string, BatchFile> files, string? id) => id is null ? null : files.GetValueOrDefault(id);

    private async Task ReloadAsync()
    {
        await LoadAsync();
        StateHasChanged();
    }

    private async Task CancelAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Cancel this batch?",
            "Requests already finished stay in the output file and are charged; the rest go to the error file as batch_cancelled " +
            "and cost nothing. This cannot be undone.",
            yesText: "Cancel batch", cancelText: "Keep it running");
        if (confirmed != true) return;
        busy = true;
        actionError = null;
        try
        {
            actionError = await PageRefusals.RefusalAsync(() => Batches.CancelAsync(Id));
            if (actionError is null) Snackbar.Add("Cancelling the batch.", Severity.Success);
        }
        finally { busy = false; }
        await ReloadAsync();
    }
}
