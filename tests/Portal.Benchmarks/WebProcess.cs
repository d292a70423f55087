using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Portal.Benchmarks;

/// <summary>
/// The built portal (src/Portal.Web's Portal.Web.dll of this benchmark's configuration) as a process of its own on a free
/// loopback port, for benchmarks that go through real web processes. Its output is kept for an error message.
/// </summary>
internal sealed class WebProcess : IDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();

    private WebProcess(Process process) => this.process = process;

    public int Id => process.Id;
    public Uri? Url { get; private set; }

    public static WebProcess Start(IEnumerable<string> settings)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = LeaseCommitBenchmarkHost.RepoRoot(),
        };
        foreach (var arg in (string[])["exec", WebAssemblyPath(), "--urls=http://127.0.0.1:0", "--environment=Production", .. settings])
            start.ArgumentList.Add(arg);
        var web = new WebProcess(Process.Start(start)!);
        web.process.OutputDataReceived += (_, e) => web.Keep(e.Data);
        web.process.ErrorDataReceived += (_, e) => web.Keep(e.Data);
        web.process.BeginOutputReadLine();
        web.process.BeginErrorReadLine();
        return web;
    }

    /// <summary>Waits until Kestrel listens and /healthz answers 200 (a cold start on a busy machine takes a while).</summary>
    public async Task WaitReadyAsync(TimeSpan patience)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"Web process {Id} exited:\n{Tail()}");
            if (Url is null && output.Select(l => ListeningLine.Match(l)).FirstOrDefault(x => x.Success) is { } m)
                Url = new Uri(m.Groups[1].Value.TrimEnd('/') + "/");
            if (Url is not null)
                try
                {
                    if ((await http.GetAsync(new Uri(Url, "healthz"))).IsSuccessStatusCode) return;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { } // not listening yet, or too busy to answer
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Web process {Id} not ready within {patience}:\n{Tail()}");
            await Task.Delay(200);
        }
    }

    /// <summary>The process's CPU time so far (user + system, from /proc), zero where there is no /proc.</summary>
    public TimeSpan Cpu()
    {
        var stat = $"/proc/{Id}/stat";
        if (!File.Exists(stat)) return TimeSpan.Zero;
        var text = File.ReadAllText(stat);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: state is field 3, utime 14 and stime 15 (1-based in proc(5)), in clock ticks of 10 ms.
        return TimeSpan.FromMilliseconds((long.Parse(fields[11]) + long.Parse(fields[12])) * 10.0);
    }

    public string Tail(int lines = 40) => string.Join("\n", output.TakeLast(lines));

    private static string WebAssemblyPath()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(LeaseCommitBenchmarkHost.RepoRoot(), "src", "Portal.Web", "bin", here.Parent!.Name, here.Name, "Portal.Web.dll");
        if (!File.Exists(path)) throw new FileNotFoundException($"Build src/Portal.Web first: {path} is missing.", path);
        return path;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        output.Enqueue(line);
        while (output.Count > 400) output.TryDequeue(out _);
    }

    private static readonly Regex ListeningLine = new(@"Now listening on: (http://\S+)", RegexOptions.Compiled);

    public void Dispose()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException) { }
        process.Dispose();
    }
}
