namespace Portal.Web.Hosting;

/// <summary>
/// The environment when nobody chose one. <c>dotnet run</c> applies the launch profile's variables over the shell's,
/// so a profile that set ASPNETCORE_ENVIRONMENT made <c>ASPNETCORE_ENVIRONMENT=Production dotnet run</c> run as
/// Development. The profile sets only <see cref="Variable"/> instead: a default that ASPNETCORE_ENVIRONMENT,
/// DOTNET_ENVIRONMENT or <c>--environment</c> override. Without the profile (a published build) the default stays
/// ASP.NET Core's own: Production.
/// </summary>
public static class DefaultEnvironment
{
    public const string Variable = "PORTAL_DEFAULT_ENVIRONMENT";

    public static string? Find(string[] args)
    {
        if (args.Any(a => a.Contains("environment", StringComparison.OrdinalIgnoreCase))
            || Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") is not null
            || Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is not null)
            return null;
        return Environment.GetEnvironmentVariable(Variable);
    }
}
