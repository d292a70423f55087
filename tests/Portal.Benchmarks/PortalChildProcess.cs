using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Benchmarks;

/// <summary>
/// The seeded portal in a process of its own (this executable with <see cref="Flag"/>), so that the load generator and the
/// browser do not share its heap and its RSS is the portal's alone. It runs with the server GC, as the web project does.
/// On stdin it answers "rss" (after a full, compacting GC) and "circuits" (open Blazor circuits); it exits when stdin closes.
/// </summary>
internal sealed class PortalChildProcess : IAsyncDisposable
{
    public const string Flag = "--page-portal";
    private readonly Process process;

    private PortalChildProcess(Process process) => this.process = process;

    public string BaseUrl { get; private set; } = "";
    public string MemberEmail { get; private set; } = "";
    public int Pid => process.Id;

    /// <summary>Starts the portal; <paramref name="settings"/> are environment variables (configuration: <c>Section__Key</c>).</summary>
    public static async Task<PortalChildProcess> StartAsync(IEnumerable<KeyValuePair<string, string>>? settings = null)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var (key, value) in settings ?? []) start.Environment[key] = value;
        // Run as `dotnet Portal.Benchmarks.dll`, the process is dotnet: pass it the assembly again.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(PortalChildProcess).Assembly.Location);
        start.ArgumentList.Add(Flag);
        start.Environment["DOTNET_gcServer"] = "1";
        var child = new PortalChildProcess(Process.Start(start)!);
        var ready = (await child.ReadReplyAsync("READY")).Split(' ');
        (child.BaseUrl, child.MemberEmail) = (ready[1], ready[2]);
        return child;
    }

    /// <summary>(RSS, managed heap, memory the GC has committed, threads) after a full blocking compacting GC in the portal.</summary>
    public async Task<(long RssKb, long HeapKb, long CommittedKb, int Threads)> MemoryAsync()
    {
        await process.StandardInput.WriteLineAsync("rss");
        var parts = (await ReadReplyAsync("RSS")).Split(' ');
        return (long.Parse(parts[1]), long.Parse(parts[2]), long.Parse(parts[3]), int.Parse(parts[4]));
    }

    /// <summary>CPU time the portal process has used so far (all threads), in ms.</summary>
    public async Task<double> CpuMsAsync()
    {
        await process.StandardInput.WriteLineAsync("cpu");
        return double.Parse((await ReadReplyAsync("CPU")).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<int> OpenCircuitsAsync()
    {
        await process.StandardInput.WriteLineAsync("circuits");
        return int.Parse((await ReadReplyAsync("CIRCUITS")).Split(' ')[1]);
    }

    private async Task<string> ReadReplyAsync(string prefix)
    {
        while (await process.StandardOutput.ReadLineAsync() is { } line)
            if (line.StartsWith(prefix + " ", StringComparison.Ordinal)) return line;
            else Console.WriteLine($"  portal: {line}");
        throw new InvalidOperationException($"The portal process exited (code {(process.HasExited ? process.ExitCode : -1)}) before answering {prefix}.");
    }

    public async ValueTask DisposeAsync()
    {
        process.StandardInput.Close();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await process.WaitForExitAsync(wait.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
        process.Dispose();
    }

    /// <summary>The child's side: host, seed, say READY, answer until stdin closes.</summary>
    public static async Task<int> RunChildAsync()
    {
        var circuits = new OpenCircuitCounter();
        await using var host = new PagePortalHost(FreeLoopbackPort(), services => services.AddSingleton<CircuitHandler>(circuits));
        var email = await PageBenchmarkData.SeedAsync(host.Services);
        Console.WriteLine($"READY {host.BaseUrl} {email}");
        while (await Console.In.ReadLineAsync() is { } command)
        {
            if (command == "rss")
            {
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                Console.WriteLine($"RSS {RssKb()} {GC.GetTotalMemory(false) / 1024} {GC.GetGCMemoryInfo().TotalCommittedBytes / 1024} " +
                    $"{Process.GetCurrentProcess().Threads.Count}");
            }
            else if (command == "cpu")
                Console.WriteLine(FormattableString.Invariant($"CPU {Environment.CpuUsage.TotalTime.TotalMilliseconds:F1}"));
            else if (command == "circuits") Console.WriteLine($"CIRCUITS {circuits.Open}");
        }
        return 0;
    }

    private static long RssKb() => long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class OpenCircuitCounter : CircuitHandler
    {
        private int open;
        public int Open => Volatile.Read(ref open);
        public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken ct) { Interlocked.Increment(ref open); return Task.CompletedTask; }
        public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken ct) { Interlocked.Decrement(ref open); return Task.CompletedTask; }
    }
}
