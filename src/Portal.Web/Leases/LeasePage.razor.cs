using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using Portal.Core.Capacity;
using Portal.Core.Leases;
using Portal.Core.Refusals;
using Portal.Core.Tenancy;
using Portal.Web.Refusals;

namespace Portal.Web.Leases;

/// <summary>
/// One lease: where it is in its life, what it costs, where it runs, what happened, and what the member may do
/// next. Background jobs push changes here (LiveUpdates), so it turns Active without a reload.
/// </summary>
public partial class LeasePage
{
    [Inject] private LeaseQueries Leases { get; set; } = default!;
    [Inject] private LeaseTerms LeaseTerms { get; set; } = default!;
    [Inject] private LeaseExtending Extending { get; set; } = default!;
    [Inject] private LeaseCancelling Cancelling { get; set; } = default!;
    [Inject] private CurrentTenant Tenant { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private IOptions<LeaseOptions> Options { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Parameter] public Guid Id { get; set; }

    private Lease? lease;
    private AgreementTerms? terms;
    private DateTime? extendableUntil;
    private ActionRefusedException? actionError;
    private bool busy;
    private List<BreadcrumbItem> breadcrumbs = [];

    private DateTime Now => Time.GetUtcNow().UtcDateTime;
    private LeaseState Shown => LeaseUi.ShownState(lease!, Now);
    private bool Actionable => RendererInfo.IsInteractive && !busy;
    private bool CanExtend => extendableUntil is { } until && until > lease!.End && HeldExtension is null;
    private LeaseAmendment? HeldExtension => lease?.Amendments.FirstOrDefault(a => a.State == AmendmentState.Held && a.HoldExpiresAt > Now);
    private string Title => lease is null ? "Lease" : $"{LeaseUi.Gpus(lease.Gpus)} · {terms?.SkuName ?? lease.SkuId}";

    private string QuoteAgainHref =>
        $"/leases/new?sku={Uri.EscapeDataString(lease!.SkuId)}&region={Uri.EscapeDataString(lease.RegionId)}&gpus={lease.Gpus}&hours={lease.Hours}"
        + (lease.Start > Now ? $"&start={lease.Start:yyyy-MM-ddTHH}:00Z" : "");

    protected override async Task OnParametersSetAsync()
    {
        await LoadAsync();
        if (lease is null) return;
        terms = await LeaseTerms.TermsAsync(lease);
        breadcrumbs = [new("Leases", "/leases"), new(Title, null, disabled: true)];
    }

    private async Task LoadAsync()
    {
        lease = await Leases.GetAsync(Id);
        if (lease is null)
        {
            Navigation.NotFound();
            return;
        }
        extendableUntil = await Extending.ExtendableUntilAsync(Id);
    }

    private async Task ReloadAsync()
    {
        await LoadAsync();
        StateHasChanged();
    }

    private Task CancelAsync() => ConfirmWithFeeAsync("Cancel this lease?",
        $"The lease of {LeaseUi.Gpus(lease!.Gpus)} from {LeaseUi.Time(lease.Start)} is cancelled and its capacity released at once.",
        "Cancel lease", () => Cancelling.CancelAsync(Id), "Lease cancelled.");

    private Task ReleaseAsync() => ConfirmWithFeeAsync("Release this lease early?",
        $"Your {LeaseUi.Gpus(lease!.Gpus)} go back to the pool at once and the lease ends; this cannot be undone.",
        "Release early", () => Cancelling.ReleaseAsync(Id), "Lease released.");

    /// <summary>Cancelling and releasing early both end the lease now and may cost a fee: show it, and act only if confirmed.</summary>
    private async Task ConfirmWithFeeAsync(string title, string message, string confirm, Func<Task<Lease>> action, string done)
    {
        var policy = Portal.Core.Deals.DealAgreement.CancellationTermsOf(lease!, Options.Value); // a deal's negotiated terms, else the standard ones
        var fee = CancellationPolicy.FeeMicros(policy, lease!.MicrosPerGpuHour, lease.Gpus, lease.Start, lease.End, Now);
        if (await ConfirmLeaseActionDialog.AskAsync(Dialogs, title, message, fee, CancellationPolicy.Describe(policy), confirm))
            await RunAsync(action, done);
    }

    private async Task ExtendAsync()
    {
        var held = HeldExtension;
        if (await ExtendLeaseDialog.ShowAsync(Dialogs, lease!, held?.NewEnd ?? extendableUntil!.Value, held))
        {
            Snackbar.Add("Extension signed.", Severity.Success);
            await ReloadAsync();
        }
    }

    private async Task RunAsync(Func<Task<Lease>> action, string done)
    {
        busy = true;
        actionError = null;
        try
        {
            actionError = await PageRefusals.RefusedAsync(async () =>
            {
                await action();
                Snackbar.Add(done, Severity.Success);
            });
        }
        finally { busy = false; }
        await ReloadAsync();
    }
}
