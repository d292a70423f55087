using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Core.Batches;
using Portal.Core.Billing;
using Portal.Core.Data;
using Portal.Core.Email;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Core.Pool;

namespace Portal.Core.Jobs;

public static class JobsServiceCollectionExtensions
{
    /// <summary>
    /// Hangfire on the portal's database kind: SQLite storage (one process) beside the SQLite database,
    /// or PostgreSQL storage (any number of processes). <c>Jobs:RunServer=false</c> makes a web-only process
    /// (Portal.Web's <c>Hosting:Role</c> sets it).
    /// </summary>
    public static IServiceCollection AddPortalJobs(this IServiceCollection services, IConfiguration config)
    {
        var pollInterval = TimeSpan.FromMilliseconds(config.GetValue("Jobs:PollIntervalMs", 1000));

        // Storage and activator are this host's own singletons, not Hangfire's statics, so that several
        // hosts in one process (tests) each run jobs in their own container.
        services.AddSingleton<JobStorage>(sp =>
        {
            var settings = sp.GetRequiredService<DatabaseSettings>();
            if (settings.Provider == DatabaseProvider.PostgreSql)
#pragma warning disable CS0618 // the connection-factory overload's factory type is not public in 1.21.1
                return new PostgreSqlStorage(settings.ConnectionString, new PostgreSqlStorageOptions
                    {
                        QueuePollInterval = pollInterval,
                        UseSlidingInvisibilityTimeout = true,
                        // A live worker renews its jobs every fifth of this; a killed worker's jobs run again elsewhere after it.
                        InvisibilityTimeout = TimeSpan.FromSeconds(config.GetValue("Jobs:InvisibilityTimeoutSeconds", 300)),
                        PrepareSchemaIfNecessary = true,
                    });
#pragma warning restore CS0618
            var path = Path.Combine(settings.SqliteFolder!, config["Jobs:SqliteFile"] ?? "hangfire.db");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return new SQLiteStorage(path, new SQLiteStorageOptions { QueuePollInterval = pollInterval });
        });
        services.AddSingleton<JobActivator>(sp =>
            new AspNetCoreJobActivator(sp.GetRequiredService<Microsoft.Extensions.DependencyInjection.IServiceScopeFactory>()));
        services.AddHangfire((sp, c) => c
            .UseLogProvider(new HostLogProvider(sp.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());

        if (config.GetValue("Jobs:RunServer", true))
        {
            services.AddHangfireServer((sp, o) =>
            {
                o.SchedulePollingInterval = pollInterval;
                o.WorkerCount = config.GetValue("Jobs:WorkerCount", Math.Max(4, Environment.ProcessorCount * 2));
            });
            // Node failures within seconds; in the worker process only, so that web-only processes do not all poll.
            services.AddHostedService<NodeHealthMonitor>();
        }

        services.AddHealthChecks().AddCheck<JobStorageHealthCheck>("jobs");
        services.AddTransient<PurgeOutboxJob>();
        return services;
    }

    /// <summary>Registers (or updates) every recurring job; safe on every start.</summary>
    public static void RegisterRecurringJobs(IServiceProvider services)
    {
        var manager = services.GetRequiredService<IRecurringJobManager>();
        manager.AddOrUpdate<PurgeOutboxJob>(PurgeOutboxJob.RecurringId, j => j.RunAsync(CancellationToken.None), Cron.Hourly());
        manager.AddOrUpdate<SyncNodeStatesJob>(SyncNodeStatesJob.RecurringId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        manager.AddOrUpdate<LeaseLifecycleJob>(LeaseLifecycleJob.RecurringId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        manager.AddOrUpdate<AgreementPdfJob>(AgreementPdfJob.RecurringId, j => j.SweepAsync(CancellationToken.None), Cron.Minutely());
        manager.AddOrUpdate<DeliverNotificationEmailsJob>(DeliverNotificationEmailsJob.RecurringId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        manager.AddOrUpdate<BatchSweepJob>(BatchSweepJob.RecurringId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        manager.AddOrUpdate<ScriptJobs.ScriptJobSweepJob>(ScriptJobs.ScriptJobSweepJob.RecurringId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        // Five minutes past the hour: what ended on the hour (leases, batches) is in the database by then.
        manager.AddOrUpdate<MeterUsageJob>(MeterUsageJob.RecurringId, j => j.RunAsync(CancellationToken.None), Cron.Hourly(5));
        manager.AddOrUpdate<IssueInvoicesJob>(IssueInvoicesJob.RecurringId, j => j.RunAsync(CancellationToken.None), Cron.Monthly(1, 0, 30));
        // At 20 past: after the hourly metering has written the hour before.
        manager.AddOrUpdate<ScriptJobs.PurgeScriptJobOutputJob>(ScriptJobs.PurgeScriptJobOutputJob.RecurringId, j => j.RunAsync(CancellationToken.None),
            Cron.Hourly(40));
        manager.AddOrUpdate<Spend.SpendWarningJob>(Spend.SpendWarningJob.RecurringId, j => j.RunAsync(CancellationToken.None), Cron.Hourly(20));
    }
}
