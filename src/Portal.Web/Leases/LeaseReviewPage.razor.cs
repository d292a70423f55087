using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Refusals;
using Portal.Core.Tenancy;
using Portal.Web.Refusals;

namespace Portal.Web.Leases;

/// <summary>A held quote: the agreement to accept, the price, and a countdown to the hold's end.</summary>
public partial class LeaseReviewPage
{
    [Inject] private LeaseQueries Leases { get; set; } = default!;
    [Inject] private LeaseTerms LeaseTerms { get; set; } = default!;
    [Inject] private LeaseSigning Signing { get; set; } = default!;
    [Inject] private LeaseCancelling Cancelling { get; set; } = default!;
    [Inject] private CurrentTenant Tenant { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private IDbContextFactory<PortalDbContext> DbFactory { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Parameter] public Guid Id { get; set; }

    // One key per page: a double click on Sign signs once.
    private readonly string signKey = "ui-" + Guid.NewGuid().ToString("N");
    private Lease? lease;
    private AgreementTerms? terms;
    private List<string> signers = [];
    private bool busy, leaving;
    private ActionRefusedException? error;
    private Timer? ticker;
    private List<BreadcrumbItem> breadcrumbs = [];

    private DateTime Now => Time.GetUtcNow().UtcDateTime;
    private TimeSpan Left => (lease?.HoldExpiresAt ?? Now) - Now;
    private bool Expired => lease is not null && LeaseUi.ShownState(lease, Now) == LeaseState.Expired;

    private string QuoteAgainHref => lease is null ? "/leases/new"
        : $"/leases/new?sku={Uri.EscapeDataString(lease.SkuId)}&region={Uri.EscapeDataString(lease.RegionId)}&gpus={lease.Gpus}&hours={lease.Hours}"
          + (lease.Start > Now ? $"&start={lease.Start:yyyy-MM-ddTHH}:00Z" : "");

    protected override async Task OnParametersSetAsync()
    {
        await LoadAsync();
        if (lease is null || leaving) return;
        breadcrumbs = [new("Leases", "/leases"), new("Review", null, disabled: true)];
        terms = await LeaseTerms.TermsAsync(lease);
        await using var db = await DbFactory.CreateDbContextAsync();
        signers = await db.Memberships.Where(m => m.Role == TenantRole.Owner || m.Role == TenantRole.Admin)
            .Select(m => m.User!.Email!).OrderBy(e => e).ToListAsync();
        if (RendererInfo.IsInteractive && ticker is null)
            ticker = new Timer(_ => _ = InvokeAsync(StateHasChanged), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private async Task LoadAsync()
    {
        lease = await Leases.GetAsync(Id);
        if (lease is null)
        {
            Navigation.NotFound();
            return;
        }
        // A signed quote is a lease now: its page is the lease page.
        if (lease.IsSigned || lease.State is not (LeaseState.Held or LeaseState.Expired or LeaseState.Cancelled))
        {
            leaving = true;
            Navigation.NavigateTo($"/leases/{Id}");
            return;
        }
        StateHasChanged();
    }

    private async Task SignAsync(SignAgreementForm.Signature signature)
    {
        if (busy) return;
        busy = true;
        error = null;
        try
        {
            error = await PageRefusals.RefusedAsync(async () =>
            {
                await Signing.SignAsync(Id, signature.FullName, signature.Accepted, signKey);
                Snackbar.Add("Signed.", Severity.Success);
                leaving = true;
                Navigation.NavigateTo($"/leases/{Id}");
            });
            if (error?.Code is "hold_expired" or "already_signed" or "lease_changed") await LoadAsync();
        }
        finally { busy = false; }
    }

    private async Task DiscardAsync()
    {
        if (busy) return;
        busy = true;
        error = null;
        try
        {
            error = await PageRefusals.RefusedAsync(async () =>
            {
                await Cancelling.CancelAsync(Id);
                Snackbar.Add("Quote discarded; its capacity is free again.", Severity.Info);
                leaving = true;
                Navigation.NavigateTo("/leases");
            });
            if (error is not null) await LoadAsync();
        }
        finally { busy = false; }
    }

    public void Dispose() => ticker?.Dispose();
}
