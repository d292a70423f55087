using MudBlazor;
using Portal.Core.Tenancy;

namespace Portal.Web.Admin;

/// <summary>Small pieces the admin pages share.</summary>
internal static class AdminUi
{
    public const int PageSize = 25;

    public static Color StateColor(TenantState state) => state == TenantState.Suspended ? Color.Error : Color.Success;

    public static string Date(DateTime utc) => utc.ToString("d MMM yyyy");

    public static string When(DateTime utc) => utc.ToString("d MMM yyyy, HH:mm") + " UTC";

    /// <summary>
    /// A small MudChip's look as plain markup, for list rows: a MudChip per row is a component each (with its parameter
    /// state), which on a 25-row list was a good part of the page's render cost.
    /// </summary>
    public static string ChipClass(Color color, bool outlined = false) =>
        $"mud-chip mud-chip-{(outlined ? "outlined" : "filled")} mud-chip-size-small mud-chip-color-{color.ToString().ToLowerInvariant()} ma-0";

    public const string LinkClass = "mud-typography mud-link mud-primary-text mud-link-underline-hover mud-typography-body1";
}
