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
}
