using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Portal.Web.Admin;

/// <summary>
/// A page where Support opens one tenant's thing (a lease, a batch): it loads it through the admin service (which audits
/// the view), answers 404 for an id that is not there, shows the breadcrumbs list → tenant → thing, and reloads when the
/// thing changes elsewhere unless an action of the page is under way (that action reloads when it is done).
/// </summary>
public abstract class AdminDetailPage<TDetail> : ComponentBase where TDetail : class
{
    [CascadingParameter] private HttpContext? HttpContext { get; set; }

    protected TDetail? Detail { get; private set; }
    protected bool Loaded { get; private set; }
    protected bool Busy { get; set; }
    protected List<BreadcrumbItem> Breadcrumbs { get; private set; } = [];

    /// <summary>The admin list this page belongs to: its name, its address, and what one item is called.</summary>
    protected abstract (string Name, string Href, string Item) List { get; }

    /// <summary>Opens the thing for Support (null when there is no such thing).</summary>
    protected abstract Task<TDetail?> OpenAsync();

    /// <summary>The tenant it belongs to and its own breadcrumb.</summary>
    protected abstract (string TenantName, Guid TenantId, string Title) Crumb(TDetail detail);

    protected override async Task OnParametersSetAsync()
    {
        await LoadAsync();
        if (Detail is null && HttpContext is not null)
            HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    protected async Task LoadAsync()
    {
        Detail = await OpenAsync();
        Loaded = true;
        var list = new BreadcrumbItem(List.Name, List.Href);
        if (Detail is null)
        {
            Breadcrumbs = [list, new(List.Item, null, disabled: true)];
            return;
        }
        var (tenantName, tenantId, title) = Crumb(Detail);
        Breadcrumbs = [list, new(tenantName, $"/admin/tenants/{tenantId}"), new(title, null, disabled: true)];
    }

    /// <summary>For LiveUpdates: the thing changed elsewhere.</summary>
    protected async Task ReloadAsync()
    {
        if (!Busy) await LoadAsync();
    }
}
