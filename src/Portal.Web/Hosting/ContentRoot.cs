namespace Portal.Web.Hosting;

/// <summary>
/// The content root holds <c>wwwroot</c> and the appsettings files: the repository root when run from
/// a build (dotnet run, tests), the application folder when published.
/// </summary>
public static class ContentRoot
{
    public static string? Find(string[] args)
    {
        // An explicit choice (WebApplicationFactory, --contentRoot, the environment) wins.
        if (args.Any(a => a.Contains("contentRoot", StringComparison.OrdinalIgnoreCase))
            || Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT") is not null
            || Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT") is not null)
            return null;

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
                return dir.FullName;
        return AppContext.BaseDirectory;
    }
}
