namespace Portal.BrowserTests;

/// <summary>
/// Numbered full-page screenshots of one test's steps, kept as test artifacts in
/// <c>artifacts/screenshots/&lt;test&gt;/&lt;nn-step&gt;.png</c> under the repository root.
/// </summary>
public sealed class StepScreenshots
{
    private readonly string folder;
    private int step;

    public StepScreenshots(string testName)
    {
        folder = Path.Combine(PortalServer.RepoRoot, "artifacts", "screenshots", testName);
        // Only this run's steps: a stale picture from an earlier run would mislead whoever reads them.
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
    }

    /// <summary>Where this test's pictures (and any report beside them) are kept.</summary>
    public string Folder => folder;

    public async Task TakeAsync(IPage page, string stepName)
    {
        var path = Path.Combine(folder, $"{++step:00}-{stepName}.png");
        // Transitions finished at once: a label caught mid-animation looks like a broken page.
        await page.ScreenshotAsync(new() { Path = path, FullPage = true, Animations = ScreenshotAnimations.Disabled });
    }

    /// <summary>Runs the test's steps; when one fails, a picture of where it stood is kept before the failure is reported.</summary>
    public async Task RecordAsync(IPage page, Func<Task> steps)
    {
        try
        {
            await steps();
        }
        catch
        {
            try { await TakeAsync(page, "failed"); }
            catch (PlaywrightException) { } // the page itself may be what broke
            throw;
        }
    }
}
