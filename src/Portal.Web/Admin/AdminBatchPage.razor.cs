using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Admin;
using Portal.Core.Batches;
using Portal.Core.Notifications;
using Portal.Web.Refusals;

namespace Portal.Web.Admin;

/// <summary>Support's view of one batch of any tenant, with cancel (a reason the tenant sees, kept in the audit log).</summary>
public partial class AdminBatchPage
{
    [Parameter] public string Id { get; set; } = "";
    [CascadingParameter] private HttpContext? HttpContext { get; set; }

    [Inject] private BatchAdminService Batches { get; set; } = default!;
    [Inject] private PortalChanges Changes { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private AdminBatchDetail? detail;
    private bool loaded;
    private bool busy;
    private List<BreadcrumbItem> breadcrumbs = [];

    protected override void OnInitialized()
    {
        if (RendererInfo.IsInteractive) Changes.Changed += OnChanged;
    }

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
            : [new("Batches", "/admin/batches"), new(detail.TenantName, $"/admin/tenants/{detail.Batch.TenantId}"), new(detail.Batch.Id, null, disabled: true)];
    }

    // The runner moved this batch (progress, finished): show it without a reload.
    private void OnChanged(PortalChange change)
    {
        if (change.Kind != PortalChange.Batch || change.EntityKey != Id || busy) return;
        _ = InvokeAsync(async () =>
        {
            await LoadAsync();
            StateHasChanged();
        });
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

    public void Dispose() => Changes.Changed -= OnChanged;
}
