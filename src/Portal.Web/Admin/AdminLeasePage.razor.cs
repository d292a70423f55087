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

    [Inject] private LeaseAdminQueries Leases { get; set; } = default!;
    [Inject] private LeaseAdminDecisions Decisions { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    protected override (string Name, string Href, string Item) List => ("Leases", "/admin/leases", "Lease");

    // Opening it is recorded (once per visit) by the service: Support has crossed into a tenant.
    protected override Task<AdminLeaseDetail?> OpenAsync() => Leases.OpenAsync(Id);

    protected override (string TenantName, Guid TenantId, string Title) Crumb(AdminLeaseDetail d) =>
        (d.TenantName, d.Lease.TenantId, $"{d.Lease.Gpus} × {d.Lease.SkuId}");

    private async Task ApproveAsync()
    {
        var lease = Detail!.Lease;
        var confirmed = await Dialogs.ShowMessageBoxAsync($"Approve {lease.Gpus} × {Detail.SkuName} for {Detail.TenantName}?",
            "The lease is scheduled at once"
            + $"{(lease.Start <= Time.GetUtcNow().UtcDateTime ? " and, since its start has passed, provisioning begins now" : "")}. The tenant is notified.",
            yesText: "Approve", cancelText: "Cancel");
        if (confirmed == true) await ActAsync(() => Decisions.ApproveAsync(Id));
    }

    private async Task RejectAsync()
    {
        var reason = await ReasonDialog.AskAsync(Dialogs, $"Reject this lease of {Detail!.TenantName}?",
            "Its capacity is released at once and nothing is charged. The tenant sees your reason.",
            "Reject", Color.Error, "Shown to the tenant's members, and kept in the audit log.");
        if (reason is not null) await ActAsync(() => Decisions.RejectAsync(Id, reason));
    }

    private async Task TerminateAsync()
    {
        var active = Detail!.State == LeaseState.Active;
        var reason = await ReasonDialog.AskAsync(Dialogs, $"Terminate this lease of {Detail.TenantName}?",
            active
                ? "It ends at the current hour: its GPUs are released now. No early-release fee is charged. The tenant sees your reason."
                : "It is cancelled and will not start; its capacity is released now. No cancellation fee is charged. The tenant sees your reason.",
            "Terminate", Color.Error, "Shown to the tenant's members, and kept in the audit log.");
        if (reason is not null) await ActAsync(() => Decisions.TerminateAsync(Id, reason));
    }

    private async Task ActAsync(Func<Task<string>> act)
    {
        Busy = true;
        try
        {
            await Snackbar.ReportAsync(act);
            await LoadAsync();
        }
        finally
        {
            Busy = false;
        }
    }
}
