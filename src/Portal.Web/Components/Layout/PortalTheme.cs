using MudBlazor;
using MudBlazor.Utilities;

namespace Portal.Web.Components.Layout;

/// <summary>One theme for every page, interactive or static, so that no page looks like another product.</summary>
public static class PortalTheme
{
    public static readonly string[] FontFamily = ["Inter Variable", "system-ui", "-apple-system", "Segoe UI", "Helvetica", "Arial", "sans-serif"];

    public static readonly MudTheme Theme = new()
    {
        // Teal 700, not 600: white text on a filled secondary button needs 4.5:1 (600 gave 3.7).
        PaletteLight = Colours(new PaletteLight
        {
            AppbarText = "#ffffff",
            // MudBlazor's defaults put white text on light green, blue, amber and red (2:1 to 3.7:1) and grey labels
            // at 4.48:1 on the page; these are the 700 shades, 5:1 or better with white.
            Success = "#15803d", Info = "#1d4ed8", Warning = "#b45309", Error = "#c62828", TextSecondary = "rgba(0,0,0,0.6)",
        }, "#4338ca", "#0f766e", "#1e1b4b", "#f6f7fb", "#ffffff"),
        PaletteDark = DarkText(Colours(new PaletteDark { Surface = "#141a2e" }, "#818cf8", "#2dd4bf", "#111827", "#0b1020", "#111827")),
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = FontFamily },
            H1 = new H1Typography { FontFamily = FontFamily },
            H2 = new H2Typography { FontFamily = FontFamily },
            H3 = new H3Typography { FontFamily = FontFamily },
            H4 = new H4Typography { FontFamily = FontFamily, FontSize = "1.75rem", FontWeight = "600" },
            H5 = new H5Typography { FontFamily = FontFamily, FontWeight = "600" },
            H6 = new H6Typography { FontFamily = FontFamily, FontWeight = "600" },
            Button = new ButtonTypography { FontFamily = FontFamily, TextTransform = "none", FontWeight = "600" },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px" },
    };

    /// <summary>
    /// Dark mode's colours are light (so that links and outlines read on the dark page), so what is written on them is
    /// dark: white on the periwinkle primary was 3:1, the page's near-black is 6:1 or better on every one of them.
    /// </summary>
    static PaletteDark DarkText(PaletteDark palette)
    {
        const string ink = "#0b1020";
        palette.PrimaryContrastText = palette.SecondaryContrastText = palette.TertiaryContrastText = ink;
        palette.InfoContrastText = palette.SuccessContrastText = palette.WarningContrastText = palette.ErrorContrastText = ink;
        // Alerts write in the "darken" shade, which on the dark page is darker than the text needs (4.4:1 for success).
        palette.SuccessDarken = palette.Success.ToString(MudColorOutputFormats.Hex);
        palette.InfoDarken = palette.Info.ToString(MudColorOutputFormats.Hex);
        palette.WarningDarken = palette.Warning.ToString(MudColorOutputFormats.Hex);
        palette.ErrorDarken = palette.Error.ToString(MudColorOutputFormats.Hex);
        return palette;
    }

    /// <summary>The colours both modes set, in the same order: brand primary and secondary, app bar, page and drawer.</summary>
    static T Colours<T>(T palette, string primary, string secondary, string appbar, string background, string drawer) where T : Palette
    {
        palette.Primary = primary;
        palette.Secondary = secondary;
        palette.AppbarBackground = appbar;
        palette.Background = background;
        palette.DrawerBackground = drawer;
        return palette;
    }
}
