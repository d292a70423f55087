namespace Portal.BrowserTests;

/// <summary>One portal server and one headless Debian Chromium, shared by every browser test.</summary>
public sealed class PortalInChromium : IAsyncLifetime
{
    // Debian's package, not a Playwright download: nothing may be fetched from outside at test time.
    private const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? playwright;

    public PortalServer Server { get; private set; } = default!;
    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: apt-get install -y chromium (scripts/test.sh does).");
        // A slow first render of a Blazor circuit on a busy 2-core machine should not fail an assertion.
        SetDefaultExpectTimeout(20_000);
        Server = new PortalServer();
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    /// <summary>A fresh browser profile (no cookies) on the portal; <paramref name="width"/> in CSS pixels.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = Server.BaseUrl,
            ViewportSize = new() { Width = width, Height = height },
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        playwright?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PortalInChromiumCollection : ICollectionFixture<PortalInChromium>
{
    public const string Name = "Portal in Chromium";
}
