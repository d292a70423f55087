using Portal.Tests.Infrastructure;

namespace Portal.Tests.Layout;

/// <summary>The light/dark choice is remembered in a cookie that every page, static or interactive, honours.</summary>
public sealed class ThemeTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private const string DarkBackground = "--mud-palette-background: rgba(11,16,32,1)"; // PortalTheme.PaletteDark.Background, #0b1020

    [Theory]
    [InlineData("/Account/Login")]
    [InlineData("/not-found")]
    public async Task Pages_render_dark_only_when_the_cookie_says_so(string path)
    {
        using var light = factory.CreatePortalClient();
        Assert.DoesNotContain(DarkBackground, await light.GetPageAsync(path));

        using var dark = factory.CreatePortalClient();
        dark.Http.DefaultRequestHeaders.Add("Cookie", "portal-theme=dark");
        Assert.Contains(DarkBackground, await dark.GetPageAsync(path));
    }
}
