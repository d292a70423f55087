using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Core.Batches;
using Portal.Core.Data;
using Portal.Core.Notifications;
using Portal.Core.Pool;

namespace Portal.Tests.Batches;

/// <summary>
/// The test assembly's entry point. The test runner does not call it; <c>batch-runner {batch id} --Key=Value ...</c>
/// runs that batch's <see cref="RunBatchJob"/> in a process of its own, on the test host's database, files and
/// simulator, so that a test can kill a real worker process (<see cref="Start"/>).
/// </summary>
public static class BatchRunnerProcess
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["batch-runner", var batchId, .. var settings]) return 0;
        var config = new ConfigurationBuilder().AddCommandLine(settings).Build();
        var root = Directory.GetCurrentDirectory();
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IConfiguration>(config);
        services.AddPortalData(config, root);
        services.AddSingleton<PortalChanges>();
        services.AddPortalBatches(config, root);
        var pool = new PoolEndpoint();
        pool.Set(new Uri(config["Pool:SimulatorUrl"]!));
        services.AddSingleton(pool);
        services.AddHttpClient<IGpuPoolDriver, SimulatorPoolDriver>();

        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RunBatchJob>().RunAsync(batchId, CancellationToken.None);
        return 0;
    }

    /// <summary>Starts a worker process that runs the batch with the test host's settings.</summary>
    public static Process Start(IServiceProvider host, string batchId, params string[] settings)
    {
        var database = host.GetRequiredService<DatabaseSettings>();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["exec", typeof(BatchRunnerProcess).Assembly.Location, "batch-runner", batchId,
                     $"--Database:Provider={database.Provider}", $"--ConnectionStrings:Portal={database.ConnectionString}",
                     $"--Files:Root={host.GetRequiredService<BatchFileStore>().Root}",
                     $"--Pool:SimulatorUrl={host.GetRequiredService<PoolEndpoint>().BaseUrl}", .. settings])
            start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine(); // drained, so a chatty child never blocks on a full pipe
        process.BeginErrorReadLine();
        return process;
    }
}
