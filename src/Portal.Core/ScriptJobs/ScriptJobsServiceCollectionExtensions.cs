using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.ScriptJobs;

public static class ScriptJobsServiceCollectionExtensions
{
    /// <summary>Script jobs on leases: launching, the queue, the supervisor that follows the pool, logs and metrics.</summary>
    public static IServiceCollection AddPortalScriptJobs(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<ScriptJobOptions>().Bind(config.GetSection("ScriptJobs"));
        services.AddSingleton<ScriptJobSignal>();
        services.AddSingleton<ScriptJobSecrets>();
        // launch
        services.AddScoped<ScriptJobLaunching>();
        services.AddScoped<ScriptJobCancelling>();
        services.AddScoped<ScriptJobQueries>();
        services.AddSingleton<ScriptJobFiles>();
        // supervisor
        services.AddScoped<ScriptJobQueue>();
        // logs
        services.AddScoped<ScriptJobLogs>();
        services.AddScoped<ScriptJobMetrics>();
        services.AddTransient<ScriptJobOutputCollector>();
        services.AddSingleton<ScriptJobLogStore>();
        services.AddSingleton<ScriptJobOutputHooks>();
        services.AddTransient<PurgeScriptJobOutputJob>();
        return services;
    }
}
