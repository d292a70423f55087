using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GpuPool.Simulator.Tests.Tasks;

/// <summary>The standalone simulator as its own OS process (the built GpuPool.Simulator.dll), so a test can SIGKILL it.</summary>
public sealed class SimulatorProcess : IDisposable
{
    readonly Process _process;

    SimulatorProcess(Process process, Uri baseUrl) => (_process, Http) = (process, new HttpClient { BaseAddress = baseUrl,
        Timeout = TimeSpan.FromSeconds(60) });

    public HttpClient Http { get; }

    public static async Task<SimulatorProcess> StartAsync(string taskRoot)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(SimulatorDll());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var (key, value) in new Dictionary<string, string>
                 {
                     ["Simulator__TaskRoot"] = taskRoot, ["Simulator__ReservationDelay"] = "00:00:00", ["Simulator__TaskPollInterval"] = "00:00:00.05",
                     ["Simulator__Nodes__0__Id"] = "node-a", ["Simulator__Nodes__0__Region"] = "us-south-1",
                     ["Simulator__Nodes__0__Sku"] = "h100-sxm-80gb", ["Simulator__Nodes__0__GpuCount"] = "8",
                 })
            start.Environment[key] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var simulator = new SimulatorProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        await TaskTestPool.WaitAsync(async () =>
        {
            try { return (await simulator.Http.GetAsync("pool/nodes")).IsSuccessStatusCode ? "" : null; }
            catch (HttpRequestException) { return null; }
        });
        return simulator;
    }

    /// <summary>SIGKILL: no shutdown code of the simulator runs.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
        Http.Dispose();
    }

    /// <summary>The simulator built beside this test project, in the same configuration.</summary>
    static string SimulatorDll()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')); // tests/GpuPool.Simulator.Tests/bin/{Configuration}/{tfm}
        var (tfm, configuration) = (testBin.Name, testBin.Parent!.Name);
        var repo = testBin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(repo, "src", "GpuPool.Simulator", "bin", configuration, tfm, "GpuPool.Simulator.dll");
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
