using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Batches;
using Portal.Core.Tenancy;
using static Portal.Tests.Batches.BatchLines;

namespace Portal.Tests.Batches;

/// <summary>The minutely sweep: resumes what lost its job, leaves alone what runs or is paused, and deletes old output files.</summary>
public class BatchSweepTests(BatchFactory factory) : IClassFixture<BatchFactory>
{
    [Fact]
    public async Task Output_files_past_retention_are_deleted_and_the_batch_says_so()
    {
        var id = await factory.CreateBatchAsync(await factory.NewTenantAsync(), BatchUrls.ChatCompletions,
            [ChatLine("ok"),
             """{"custom_id":"refused","method":"POST","url":"/v1/chat/completions","body":{"model":"llama-3.3-70b-instruct","messages":[]}}"""]);
        await factory.ValidateAsync(id);
        await factory.RunBatchAsync(id);
        var batch = await factory.LoadAsync(id);
        Assert.NotNull(batch.OutputFileId);
        Assert.NotNull(batch.ErrorFileId);
        await SweepAsync();
        Assert.Null((await factory.LoadAsync(id)).FilesDeletedAt); // not yet due

        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            await db.BatchFiles.Where(f => f.Id == batch.OutputFileId || f.Id == batch.ErrorFileId)
                .ExecuteUpdateAsync(s => s.SetProperty(f => f.ExpiresAt, DateTime.UtcNow.AddMinutes(-1)));
        await SweepAsync();
        var swept = await factory.LoadAsync(id);
        await SweepAsync();

        Assert.NotNull(swept.FilesDeletedAt);
        Assert.Equal(swept.FilesDeletedAt, (await factory.LoadAsync(id)).FilesDeletedAt);
        foreach (var fileId in new[] { batch.OutputFileId!, batch.ErrorFileId! })
        {
            Assert.False(Store.Exists(fileId));
            Assert.NotNull((await factory.FileAsync(fileId))!.DeletedAt);
        }
        Assert.True(Store.Exists(batch.InputFileId)); // inputs are the tenant's to delete
    }

    [Fact]
    public async Task A_batch_whose_job_was_lost_or_that_was_cancelled_is_resumed_and_one_that_is_running_or_paused_is_left_alone()
    {
        var tenant = await factory.NewTenantAsync();
        var lost = await ValidatedAsync(tenant);
        var fresh = await ValidatedAsync(tenant);
        var running = await ValidatedAsync(tenant);
        var stuckValidating = await factory.CreateBatchAsync(tenant, BatchUrls.ChatCompletions, [ChatLine("a")]);
        var cancelled = await ValidatedAsync(tenant); // cancelled a moment ago, its runner gone
        await factory.ChangeAsync(cancelled, b => (b.Status, b.CancellingAt) = (BatchStatus.Cancelling, DateTime.UtcNow));
        var longAgo = DateTime.UtcNow.AddHours(-1);
        await factory.ChangeAsync(lost, b => b.InProgressAt = longAgo);
        await factory.ChangeAsync(running, b => b.InProgressAt = longAgo);
        await factory.ChangeAsync(stuckValidating, b => b.CreatedAt = longAgo);
        var suspendedTenant = await factory.NewTenantAsync();
        var paused = await ValidatedAsync(suspendedTenant);
        var pastWindow = await ValidatedAsync(suspendedTenant);
        await factory.ChangeAsync(paused, b => b.InProgressAt = longAgo);
        await factory.ChangeAsync(pastWindow, b => (b.InProgressAt, b.ExpiresAt) = (longAgo, DateTime.UtcNow.AddMinutes(-1)));
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
            await db.Tenants.Where(t => t.Id == suspendedTenant).ExecuteUpdateAsync(s => s.SetProperty(t => t.State, TenantState.Suspended));

        var before = Queued();
        await using (await factory.Services.GetRequiredService<BatchRunLock>().TryAcquireAsync(running, default))
            await SweepAsync();
        var after = Queued();

        int Added(Type job, string id) => after.Count(j => j == (job, id)) - before.Count(j => j == (job, id));
        Assert.Equal(1, Added(typeof(RunBatchJob), lost));
        Assert.Equal(1, Added(typeof(RunBatchJob), pastWindow)); // the runner expires it, paused or not
        Assert.Equal(1, Added(typeof(ValidateBatchJob), stuckValidating));
        Assert.Equal(1, Added(typeof(RunBatchJob), cancelled)); // at once: a cancel does not wait for a stall to be noticed
        Assert.Equal(0, Added(typeof(RunBatchJob), fresh)); // its job was queued a moment ago
        Assert.Equal(0, Added(typeof(RunBatchJob), running)); // a runner holds it
        Assert.Equal(0, Added(typeof(RunBatchJob), paused)); // its tenant is suspended
    }

    private List<(Type Type, string? Id)> Queued() =>
        [.. factory.Services.GetRequiredService<JobStorage>().GetMonitoringApi().EnqueuedJobs("default", 0, 5000)
            .Where(j => j.Value.Job is not null).Select(j => (j.Value.Job.Type, j.Value.Job.Args[0] as string))];

    [Fact]
    public void The_sweep_is_registered_as_a_minutely_recurring_job_at_start()
    {
        using var connection = factory.Services.GetRequiredService<JobStorage>().GetConnection();
        var sweep = Assert.Single(connection.GetRecurringJobs(), j => j.Id == BatchSweepJob.RecurringId);
        Assert.Equal(Cron.Minutely(), sweep.Cron);
        Assert.Equal(typeof(BatchSweepJob), sweep.Job.Type);
    }

    private async Task<string> ValidatedAsync(Guid tenant)
    {
        var id = await factory.CreateBatchAsync(tenant, BatchUrls.ChatCompletions, [ChatLine("a")]);
        await factory.ValidateAsync(id); // queues its runner once, as the API's flow does
        return id;
    }

    private BatchFileStore Store => factory.Services.GetRequiredService<BatchFileStore>();

    private Task SweepAsync() => factory.RunAsync<BatchSweepJob>(j => j.RunAsync());
}
