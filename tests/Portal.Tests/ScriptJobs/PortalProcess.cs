using System.Collections.Concurrent;
using System.Diagnostics;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// The real portal (src/Portal.Web's built Portal.Web.dll, the build matching this test assembly's) in a process of its
/// own, with its job server and embedded pool simulator, so that a test can kill it with SIGKILL. Its output is kept
/// for the failure message.
/// </summary>
public sealed class PortalProcess : IDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();

    private PortalProcess(Process process) => this.process = process;

    public int Id => process.Id;
    public bool HasExited => process.HasExited;

    /// <summary>The last lines the portal wrote, for a failure message.</summary>
    public string Tail(int lines = 60) => string.Join("\n", output.TakeLast(lines));

    /// <summary>Starts <c>dotnet exec Portal.Web.dll --Key=Value ...</c> on a free loopback port.</summary>
    public static PortalProcess Start(IEnumerable<string> settings)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = PortalFactory.RepoRoot,
        };
        foreach (var arg in (string[])["exec", WebAssemblyPath(), "--urls=http://127.0.0.1:0", .. settings])
            start.ArgumentList.Add(arg);
        // The test runner's own environment (e.g. a Development environment name) must not leak into the portal's settings.
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        var child = new PortalProcess(Process.Start(start)!);
        child.process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        child.process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        child.process.BeginOutputReadLine(); // drained, so a chatty portal never blocks on a full pipe
        child.process.BeginErrorReadLine();
        return child;
    }

    /// <summary>SIGKILL to the portal alone: no shutdown, no finally blocks, no flush; what it started must live on.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: false);
        await process.WaitForExitAsync();
    }

    /// <summary>
    /// src/Portal.Web/bin/{Release|Debug}/{tfm}/Portal.Web.dll, the configuration and framework of this test build: the
    /// web project's own output has its runtimeconfig and deps files, which <c>dotnet exec</c> needs.
    /// </summary>
    public static string WebAssemblyPath()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = here.Name;
        var configuration = here.Parent!.Name;
        var path = Path.Combine(PortalFactory.RepoRoot, "src", "Portal.Web", "bin", configuration, framework, "Portal.Web.dll");
        if (!File.Exists(path)) throw new FileNotFoundException($"Build src/Portal.Web ({configuration}) first: {path} is missing.", path);
        return path;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        output.Enqueue(line);
        while (output.Count > 400) output.TryDequeue(out _);
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: false);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException) { } // never started or already gone
        process.Dispose();
    }
}
