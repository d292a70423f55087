using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Batches;

public static class BatchesServiceCollectionExtensions
{
    public static IServiceCollection AddPortalBatches(this IServiceCollection services, IConfiguration config, string contentRoot)
    {
        services.AddOptions<BatchOptions>().Bind(config.GetSection("Batches"));
        var root = config["Files:Root"] is { Length: > 0 } r ? r : Path.Combine("data", "files");
        services.AddSingleton(new BatchFileStore(Path.GetFullPath(Path.Combine(contentRoot, root))));
        services.AddSingleton<BatchRunLock>();
        services.AddSingleton<BatchModelServers>();
        services.AddSingleton<BatchRunHooks>();
        services.AddScoped<BatchTransitions>();
        services.AddTransient<ValidateBatchJob>();
        services.AddScoped<BatchFileService>();
        services.AddScoped<BatchSpendGate>();
        services.AddScoped<BatchService>();
        services.AddTransient<BatchCheckpointer>();
        services.AddTransient<BatchLineDispatcher>();
        services.AddTransient<BatchFinisher>();
        services.AddTransient<RunBatchJob>();
        services.AddTransient<BatchSweepJob>();

        // The runner's own client: no resilience handler, since the runner retries per line itself (honouring
        // Retry-After and counting attempts into the line's error), and a request may legitimately take minutes.
        var limits = config.GetSection("Batches").Get<BatchOptions>() ?? new BatchOptions();
        services.AddHttpClient(RunBatchJob.HttpClientName, c =>
            {
                c.Timeout = TimeSpan.FromSeconds(limits.RequestTimeoutSeconds);
                c.MaxResponseContentBufferSize = 64 * 1024 * 1024;
            })
            // No per-request log lines and log scope: a batch sends one request per line, thousands a second, and
            // the runner reports failures itself (in the line's error and its own log).
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AutomaticDecompression = DecompressionMethods.All,
            });
        return services;
    }
}
