using MudBlazor;
using MudBlazor.Services;

namespace Portal.Web.Components.Layout;

/// <summary>Where toasts appear and how long they stay.</summary>
public static class PortalSnackbars
{
    /// <summary>
    /// Bottom right: the page's actions sit at the top right ("New key", "New lease", the bell's "Mark all read"), and a
    /// toast there hid them for seconds. On a phone MudBlazor stretches a bottom toast across the screen, where it covers
    /// no button of the app bar; the close button lets anyone dismiss it at once.
    /// </summary>
    public static void Configure(MudServicesConfiguration config)
    {
        config.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
        config.SnackbarConfiguration.ShowCloseIcon = true;
        config.SnackbarConfiguration.PreventDuplicates = false;
    }
}
