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

    [Inject] private BatchAdminService Batches { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    protected override (string Name, string Href, string Item) List => ("Batches", "/admin/batches", "Batch");

    // Opening it is recorded (once per visit) by the service: Support has crossed into a tenant.
    protected override Task<AdminBatchDetail?> OpenAsync() => Batches.OpenAsync(Id);

    protected override (string TenantName, Guid TenantId, string Title) Crumb(AdminBatchDetail d) => (d.TenantName, d.Batch.TenantId, d.Batch.Id);

    private async Task CancelAsync()
    {
        var reason = await ReasonDialog.AskAsync(Dialogs, $"Cancel this batch of {Detail!.TenantName}?",
            "It stops sending requests: lines already finished stay in its output and are charged; the rest go to its error file as " +
            "batch_cancelled and cost nothing. The tenant's Owners and Admins, and whoever created it, see your reason.",
            "Cancel batch", Color.Error, "Shown to the tenant, and kept in the audit log.");
        if (reason is null) return;
        Busy = true;
        try
        {
            await Snackbar.ReportAsync(() => Batches.CancelAsync(Id, reason));
            await LoadAsync();
        }
        finally { Busy = false; }
    }
}
