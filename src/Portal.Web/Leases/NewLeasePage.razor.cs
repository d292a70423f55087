using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using Portal.Core.Capacity;
using Portal.Core.Catalog;
using Portal.Core.Leases;
using Portal.Core.Pool;
using Portal.Core.Refusals;
using Portal.Core.Tenancy;
using Portal.Web.Components;
using Portal.Web.Refusals;

namespace Portal.Web.Leases;

/// <summary>
/// The new-lease form: every change re-checks the request (debounced) against live capacity, so the
/// price and "fits or not" are always those of what is on screen; "Quote and hold" holds exactly that.
/// </summary>
public partial class NewLeasePage
{
    private const int DebounceMs = 300;

    [Inject] private LeaseAvailability Availability { get; set; } = default!;
    [Inject] private LeaseQuoting Quoting { get; set; } = default!;
    [Inject] private FlexibleSkuChoice Chooser { get; set; } = default!;
    [Inject] private CatalogService Catalog { get; set; } = default!;
    [Inject] private CurrentTenant Tenant { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private IOptions<LeaseOptions> Options { get; set; } = default!;
    [Inject] private IOptions<PoolOptions> Pool { get; set; } = default!;
    [Inject] private ILogger<NewLeasePage> Logger { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "sku")] public string? SkuParam { get; set; }
    [SupplyParameterFromQuery(Name = "region")] public string? RegionParam { get; set; }
    [SupplyParameterFromQuery(Name = "gpus")] public string? GpusText { get; set; }
    private int? GpusParam => QueryValue.Int(GpusText);
    /// <summary>An ISO start such as 2027-03-02T09:00Z; a past or absent one means now.</summary>
    [SupplyParameterFromQuery(Name = "start")] public string? StartParam { get; set; }
    [SupplyParameterFromQuery(Name = "hours")] public string? HoursText { get; set; }
    private int? HoursParam => QueryValue.Int(HoursText);

    // One key per form: a double click or a retry of "Quote and hold" makes one hold.
    private readonly string quoteKey = "ui-" + Guid.NewGuid().ToString("N");
    private readonly List<BreadcrumbItem> breadcrumbs = [new("Leases", "/leases"), new("New lease", null, disabled: true)];
    private List<SkuView> skus = [];
    private LeaseRequestForm form = default!;

    private FitCheck? check;
    private List<LeaseAlternative> alternatives = [];
    private SkuChoice? choice;
    private bool checking, holding, checkFailed;
    private ActionRefusedException? holdError;
    private CancellationTokenSource? pending;
    private OrganizationLimitsPanel? limitsPanel;

    private DateTime ThisHour => form.ThisHour;
    private SkuView? Sku => skus.FirstOrDefault(s => s.Id == form.SkuId);
    private IEnumerable<RegionCapacity> Regions => Sku?.Regions.Where(r => r.Nodes > 0) ?? [];
    private bool CanHold => RendererInfo.IsInteractive && Tenant.HasRole(TenantRole.Member) && check is { Fits: true } && !holding;
    private LeaseRequest Request => form.Request;

    // Any of several GPU types: every region with nodes, and the types of the chosen one; the panel shows the type chosen.
    private IEnumerable<RegionCapacity> AllRegions =>
        skus.SelectMany(s => s.Regions).Where(r => r.Nodes > 0).DistinctBy(r => r.RegionId).OrderBy(r => r.RegionId);
    private List<SkuView> RegionSkus => [.. skus.Where(s => s.Regions.Any(r => r.RegionId == form.RegionId && r.Nodes > 0))];
    private LeaseRequest ShownRequest => form.AnyOf ? form.FlexibleRequest.For(choice?.Chosen?.SkuId ?? "") : Request;
    private string? ShownSkuId => string.IsNullOrEmpty(ShownRequest.SkuId) ? null : ShownRequest.SkuId;

    // A region whose pool reserves whole nodes (Slurm) offers whole nodes only: the picker steps by the node's size.
    private bool WholeNodes => !form.AnyOf && Sku is not null && form.RegionId is { } r && Pool.Value.WholeNodesOnly(r);
    private int GpuStep => WholeNodes ? Sku!.GpusPerNode : 1;
    private string? GpusHelp => Sku is null || form.AnyOf ? null
        : WholeNodes ? $"{Sku.GpusPerNode} per node; whole nodes only"
        : $"{Sku.GpusPerNode} per node; {Sku.GpusPerNode} or more take whole nodes";

    /// <summary>In a whole-node region, up to the next whole number of nodes (the server refuses anything else anyway).</summary>
    private void FitGpusToRegion()
    {
        if (WholeNodes && form.Gpus % GpuStep != 0) form.Gpus = Math.Min(LeaseRequest.MaxGpus / GpuStep * GpuStep, (form.Gpus / GpuStep + 1) * GpuStep);
    }

    protected override async Task OnInitializedAsync()
    {
        form = new LeaseRequestForm(() => CancellationPolicy.FloorHour(Time.GetUtcNow().UtcDateTime), Options.Value);
        skus = await Catalog.ListSkusAsync(new SkuFilter());
        form.SkuId = skus.FirstOrDefault(s => s.Id == SkuParam)?.Id ?? skus.FirstOrDefault(s => s.Regions.Any(r => r.Nodes > 0))?.Id;
        form.RegionId = Regions.FirstOrDefault(r => r.RegionId == RegionParam)?.RegionId ?? Regions.FirstOrDefault()?.RegionId;
        form.Gpus = GpusParam is > 0 and <= LeaseRequest.MaxGpus ? GpusParam.Value : 1; // the smallest lease; a whole-node region rounds it up to one node
        FitGpusToRegion();
        if (HoursParam is { } h && h >= Options.Value.MinHours && h <= Options.Value.MaxHours) form.SetLength(h);
        if (DateTime.TryParse(StartParam, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var s)
            && CapacityTime.IsWholeUtcHour(s) && s > ThisHour && s <= form.LastStart)
            form.SetStart(DateTime.SpecifyKind(s, DateTimeKind.Utc));
        await CheckNowAsync(CancellationToken.None);
    }

    private void SkuChanged(string id)
    {
        form.SkuId = id;
        if (Regions.All(r => r.RegionId != form.RegionId)) form.RegionId = Regions.FirstOrDefault()?.RegionId;
        FitGpusToRegion();
        Changed();
    }

    private void RegionChanged(string id) { form.RegionId = id; FitGpusToRegion(); Changed(); }
    private void GpusChanged(int value) { form.Gpus = value; Changed(); }
    private void DurationChanged(int value) { form.DurationValue = value; Changed(); }
    private void HourChanged(int hour) { form.StartHour = hour; Changed(); }
    private void UnitChanged(bool days) { form.SetUnit(days); Changed(); }
    private void StartNowChanged(bool now) { form.SetStartNow(now); Changed(); }
    private void DateChanged(DateTime? date) { form.SetDate(date); Changed(); }
    private void ApplyWindow(HourWindow window) { form.SetStart(window.Start); Changed(); }
    private void AnyOfChanged(bool anyOf) { form.AnyOf = anyOf; FitGpusToRegion(); Changed(); }
    private void MemoryChanged(int? gb) { form.MinGpuMemoryGb = gb; Changed(); }
    private void AcceptableChanged(IReadOnlyCollection<string> ids) { form.AcceptableSkuIds = ids; Changed(); }

    private void ApplyAlternative(LeaseAlternative alternative)
    {
        form.SkuId = alternative.SkuId;
        form.RegionId = alternative.RegionId;
        FitGpusToRegion();
        Changed();
    }

    // Debounced: typing "16" checks once, for 16, not for 1 and then 16.
    private void Changed()
    {
        holdError = null;
        pending?.Cancel();
        pending = new CancellationTokenSource();
        _ = CheckLaterAsync(pending.Token);
    }

    private async Task CheckLaterAsync(CancellationToken ct)
    {
        try
        {
            checking = true;
            await Task.Delay(DebounceMs, ct);
            await CheckNowAsync(ct);
            StateHasChanged();
        }
        catch (Exception) when (ct.IsCancellationRequested) { /* a newer change superseded this check: its answer no longer matters */ }
    }

    /// <summary>
    /// Checks what is on the form. A failure (the database or a service down) is logged and shown, and the spinner
    /// stops: the form must never wait for an answer that is not coming, nor offer to hold on a stale one.
    /// </summary>
    private async Task CheckNowAsync(CancellationToken ct)
    {
        checking = true;
        var request = Request;
        try
        {
            if (form.AnyOf)
            {
                var (fit, picked) = await Chooser.CheckAsync(form.FlexibleRequest, ct);
                ct.ThrowIfCancellationRequested();
                (check, choice, alternatives, checking, checkFailed) = (fit, picked, [], false, false);
                return;
            }
            var result = await Availability.CheckAsync(request, ct);
            var others = result is { Fits: false, Errors.Count: 0 } ? await Availability.AlternativesAsync(request, ct) : [];
            ct.ThrowIfCancellationRequested();
            (check, choice, alternatives, checking, checkFailed) = (result, null, others, false, false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            Logger.LogError(e, "The live check of {Gpus} x {Sku} in {Region} failed", request.Gpus, request.SkuId, request.RegionId);
            (check, choice, alternatives, checking, checkFailed) = (null, null, [], false, true);
        }
    }

    private Task RetryCheckAsync() => CheckNowAsync(CancellationToken.None);

    private async Task HoldAsync()
    {
        if (holding) return;
        holding = true;
        holdError = null;
        try
        {
            holdError = await PageRefusals.RefusedAsync(async () =>
            {
                var lease = form.AnyOf ? (await Chooser.HoldAsync(form.FlexibleRequest, quoteKey)).Lease : await Quoting.HoldAsync(Request, quoteKey);
                Navigation.NavigateTo($"/leases/{lease.Id}/review");
            });
            if (holdError is null) return;
            if (limitsPanel is not null) await limitsPanel.ReloadAsync();
            if (holdError is NoCapacityException none)
            {
                // Someone took it meanwhile: offer the windows the refusal names, and what else there is.
                check = new FitCheck(false, check?.Price, none.Message, none.EarlierWindows, none.LaterWindows, []);
                alternatives = form.AnyOf ? [] : await Availability.AlternativesAsync(Request);
            }
        }
        finally { holding = false; }
    }

    private string? SkuName(string? id) => id is null ? null : skus.FirstOrDefault(s => s.Id == id)?.Name ?? id;

    public void Dispose()
    {
        pending?.Cancel();
        pending?.Dispose();
    }
}
