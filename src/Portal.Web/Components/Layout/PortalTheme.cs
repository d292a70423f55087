using MudBlazor;

namespace Portal.Web.Components.Layout;

/// <summary>One theme for every page, interactive or static, so that no page looks like another product.</summary>
public static class PortalTheme
{
    public static readonly string[] FontFamily = ["Inter Variable", "system-ui", "-apple-system", "Segoe UI", "Helvetica", "Arial", "sans-serif"];

    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#4338ca",
            Secondary = "#0d9488",
            AppbarBackground = "#1e1b4b",
            AppbarText = "#ffffff",
            Background = "#f6f7fb",
            DrawerBackground = "#ffffff",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#818cf8",
            Secondary = "#2dd4bf",
            AppbarBackground = "#111827",
            Background = "#0b1020",
            Surface = "#141a2e",
            DrawerBackground = "#111827",
        },
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
}
