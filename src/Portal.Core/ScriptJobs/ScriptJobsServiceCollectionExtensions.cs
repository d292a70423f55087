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
        services.AddTransient<ScriptJobTaskSpecs>(); services.AddTransient<ScriptJobNotices>(); services.AddTransient<ScriptJobDispatcher>();
        services.AddTransient<ScriptJobFollower>(); services.AddTransient<ScriptJobSweep>(); services.AddTransient<ScriptJobSweepJob>();
        if (config.GetValue("Jobs:RunServer", true)) services.AddHostedService<ScriptJobSupervisor>(); // where Hangfire's server runs
        // logs
        services.AddScoped<ScriptJobLogs>();
        services.AddScoped<ScriptJobMetrics>();
        services.AddTransient<ScriptJobOutputCollector>();
        services.AddSingleton<ScriptJobLogStore>();
        services.AddSingleton<ScriptJobOutputHooks>();
        services.AddTransient<PurgeScriptJobOutputJob>(); services.AddTransient<ScriptJobOrphanFolders>();
        services.AddTransient<ScriptJobPoolCleanup>();
        return services;
    }
}
