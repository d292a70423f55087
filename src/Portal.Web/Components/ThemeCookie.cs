namespace Portal.Web.Components;

/// <summary>The light/dark choice, remembered in a cookie the server reads on every page load.</summary>
public sealed class ThemeCookie
{
    public const string Name = "portal-theme";
    public bool IsDark { get; set; }
}
