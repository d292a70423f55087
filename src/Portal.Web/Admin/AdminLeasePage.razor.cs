using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Admin;
using Portal.Core.Leases;
using Portal.Web.Refusals;

namespace Portal.Web.Admin;

/// <summary>Support's view of one lease of any tenant, with the approval decision and termination.</summary>
public partial class AdminLeasePage
{
    [Parameter] public Guid Id { get; set; }
    [CascadingParameter] private HttpContext? HttpContext { get; set; }

    [Inject] private LeaseAdminQueries Leases { get; set; } = default!;
    [Inject] private LeaseAdminDecisions Decisions { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    private AdminLeaseDetail? detail;
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
        // Opening a lease is recorded (once per visit) by the service: Support has crossed into a tenant.
        detail = await Leases.OpenAsync(Id);
        loaded = true;
        breadcrumbs = detail is null
            ? [new("Leases", "/admin/leases"), new("Lease", null, disabled: true)]
            : [new("Leases", "/admin/leases"), new(detail.TenantName, $"/admin/tenants/{detail.Lease.TenantId}"),
               new($"{detail.Lease.Gpus} × {detail.Lease.SkuId}", null, disabled: true)];
    }

    // A job moved this lease (provisioning, ending): LiveUpdates calls this, so it shows without a reload.
    // An action in progress reloads by itself when it is done.
    private async Task ReloadAsync()
    {
        if (!busy) await LoadAsync();
    }

    private async Task ApproveAsync()
    {
        var lease = detail!.Lease;
        var confirmed = await Dialogs.ShowMessageBoxAsync($"Approve {lease.Gpus} × {detail.SkuName} for {detail.TenantName}?",
            "The lease is scheduled at once"
            + $"{(lease.Start <= Time.GetUtcNow().UtcDateTime ? " and, since its start has passed, provisioning begins now" : "")}. The tenant is notified.",
            yesText: "Approve", cancelText: "Cancel");
        if (confirmed == true) await ActAsync(() => Decisions.ApproveAsync(Id));
    }

    private async Task RejectAsync()
    {
        var reason = await ReasonDialog.AskAsync(Dialogs, $"Reject this lease of {detail!.TenantName}?",
            "Its capacity is released at once and nothing is charged. The tenant sees your reason.",
            "Reject", Color.Error, "Shown to the tenant's members, and kept in the audit log.");
        if (reason is not null) await ActAsync(() => Decisions.RejectAsync(Id, reason));
    }

    private async Task TerminateAsync()
    {
        var active = detail!.State == LeaseState.Active;
        var reason = await ReasonDialog.AskAsync(Dialogs, $"Terminate this lease of {detail.TenantName}?",
            active
                ? "It ends at the current hour: its GPUs are released now. No early-release fee is charged. The tenant sees your reason."
                : "It is cancelled and will not start; its capacity is released now. No cancellation fee is charged. The tenant sees your reason.",
            "Terminate", Color.Error, "Shown to the tenant's members, and kept in the audit log.");
        if (reason is not null) await ActAsync(() => Decisions.TerminateAsync(Id, reason));
    }

    private async Task ActAsync(Func<Task<string>> act)
    {
        busy = true;
        try
        {
            await Snackbar.ReportAsync(act);
            await LoadAsync();
        }
        finally
        {
            busy = false;
        }
    }
}
