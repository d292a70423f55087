using MudBlazor;

namespace Portal.Web.Components.Layout;

/// <summary>One theme for every page, interactive or static, so that no page looks like another product.</summary>
public static class PortalTheme
{
    public static readonly string[] FontFamily = ["Inter Variable", "system-ui", "-apple-system", "Segoe UI", "Helvetica", "Arial", "sans-serif"];

    public static readonly MudTheme Theme = new()
    {
        PaletteLight = Colours(new PaletteLight { AppbarText = "#ffffff" }, "#4338ca", "#0d9488", "#1e1b4b", "#f6f7fb", "#ffffff"),
        PaletteDark = Colours(new PaletteDark { Surface = "#141a2e" }, "#818cf8", "#2dd4bf", "#111827", "#0b1020", "#111827"),
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
