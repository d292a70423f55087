using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Admin;
using Portal.Core.Batches;
using Portal.Web.Refusals;

namespace Portal.Web.Admin;

/// <summary>Support's view of one batch of any tenant, with cancel (a reason the tenant sees, kept in the audit log).</summary>
public partial class AdminBatchPage
{
    [Parameter] public string Id { get; set; } = "";
    [CascadingParameter] private HttpContext? HttpContext { get; set; }

    [Inject] private BatchAdminService Batches { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private AdminBatchDetail? detail;
    private bool loaded;
    private bool busy;
    private List<BreadcrumbItem> breadcrumbs = [];

    protected override async Task OnParametersSetAsync()
    {
        await LoadAsync();
        if (detail is null && HttpContext is not null)
            HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    private async Task LoadAsync()
    {
        // Opening a batch is recorded (once per visit) by the service: Support has crossed into a tenant.
        detail = await Batches.OpenAsync(Id);
        loaded = true;
        breadcrumbs = detail is null
            ? [new("Batches", "/admin/batches"), new("Batch", null, disabled: true)]
            : [new("Batches", "/admin/batches"), new(detail.TenantName, $"/admin/tenants/{detail.Batch.TenantId}"),
               new(detail.Batch.Id, null, disabled: true)];
    }

    // The runner moved this batch (progress, finished): LiveUpdates calls this, so it shows without a reload.
    // A cancel in progress reloads by itself when it is done.
    private async Task ReloadAsync()
    {
        if (!busy) await LoadAsync();
    }

    private async Task CancelAsync()
    {
        var reason = await ReasonDialog.AskAsync(Dialogs, $"Cancel this batch of {detail!.TenantName}?",
            "It stops sending requests: lines already finished stay in its output and are charged; the rest go to its error file as " +
            "batch_cancelled and cost nothing. The tenant's Owners and Admins, and whoever created it, see your reason.",
            "Cancel batch", Color.Error, "Shown to the tenant, and kept in the audit log.");
        if (reason is null) return;
        busy = true;
        try
        {
            await Snackbar.ReportAsync(() => Batches.CancelAsync(Id, reason));
            await LoadAsync();
        }
        finally { busy = false; }
    }
}
