using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.ScriptJobs;
using Portal.Core.Tenancy;
using Portal.Web.Leases;
using Portal.Web.Refusals;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// One job: its state with the true reason, why it waits, its facts, tasks, live log and GPU metrics, and Cancel.
/// Another tenant's job is not found (the tenant filter hides it), as on the lease page.
/// </summary>
public partial class JobDetailsPage
{
    [Inject] private IDbContextFactory<PortalDbContext> DbFactory { get; set; } = default!;
    [Inject] private ScriptJobQueue Queue { get; set; } = default!;
    [Inject] private ScriptJobCancelling Cancelling { get; set; } = default!;
    [Inject] private CurrentTenant Tenant { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private Microsoft.Extensions.Options.IOptions<Portal.Core.Pool.PoolOptions> Pool { get; set; } = default!;

    [Parameter] public Guid Id { get; set; }

    private ScriptJob? job;
    private Lease? lease;
    private JobWait? wait;
    private string? createdBy;
    private int version;
    private bool busy;
    private List<BreadcrumbItem> breadcrumbs = [];

    private DateTime Now => Time.GetUtcNow().UtcDateTime;
    /// <summary>Slurm 22.05 has no per-job GPU utilisation: a job on a Slurm region has no samples to wait for.</summary>
    private bool PoolSamplesGpus => lease is null || !string.Equals(Pool.Value.DriverOf(lease.RegionId), Portal.Core.Pool.PoolOptions.Slurm,
        StringComparison.OrdinalIgnoreCase);
    private bool Actionable => RendererInfo.IsInteractive && !busy;

    private Severity ReasonSeverity => job!.State switch
    {
        ScriptJobState.Succeeded => Severity.Success,
        ScriptJobState.Failed or ScriptJobState.NodeFailed => Severity.Error,
        ScriptJobState.Cancelled => Severity.Normal,
        _ => Severity.Warning,
    };

    protected override async Task OnParametersSetAsync()
    {
        await LoadAsync();
        if (job is null)
        {
            Navigation.NotFound();
            return;
        }
        var leaseTitle = lease is null ? "Lease" : $"{LeaseUi.Gpus(lease.Gpus)} · {lease.SkuId}";
        breadcrumbs = [new("Leases", "/leases"), new(leaseTitle, $"/leases/{job.LeaseId}"), new(job.Name, null, disabled: true)];
    }

    private async Task LoadAsync()
    {
        // Everything is read into locals and shown at once: a render between two awaits (a tick, a change) must never show
        // the new job with the lease or launcher still missing.
        ScriptJob? loaded;
        Lease? itsLease = lease;
        string? launcher = createdBy;
        await using (var db = await DbFactory.CreateDbContextAsync())
        {
            // The tenant filter makes another organisation's job (and lease) not found.
            loaded = await db.ScriptJobs.AsNoTracking().Include(j => j.Tasks.OrderBy(t => t.Index)).FirstOrDefaultAsync(j => j.Id == Id);
            if (loaded is null)
            {
                job = null;
                return;
            }
            itsLease ??= await db.Leases.AsNoTracking().FirstOrDefaultAsync(l => l.Id == loaded.LeaseId);
            launcher ??= await db.Users.Where(u => u.Id == loaded.CreatedByUserId).Select(u => u.Email).FirstOrDefaultAsync();
        }
        var waiting = loaded.State == ScriptJobState.Queued ? await Queue.DescribeWaitAsync(loaded.Id) : null;
        (job, lease, createdBy, wait) = (loaded, itsLease, launcher, waiting);
        version++;
    }

    private async Task ReloadAsync()
    {
        await LoadAsync();
        StateHasChanged();
    }

    private async Task CancelAsync()
    {
        var running = job!.State is ScriptJobState.Running or ScriptJobState.Starting;
        var confirmed = await Dialogs.ShowMessageBoxAsync($"Cancel \"{job.Name}\"?",
            running ? "Its running tasks get SIGTERM, then are killed if they do not stop within seconds; tasks still waiting never start."
                    : "It leaves the queue and never starts.",
            yesText: "Cancel job", cancelText: "Keep it");
        if (confirmed != true) return;
        busy = true;
        try { await Snackbar.RunAsync(() => Cancelling.CancelAsync(Id), "Job cancelled."); }
        finally { busy = false; }
        await LoadAsync();
    }
}
