using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Data;
using Portal.Core.Leases;
using Portal.Core.Notifications;
using Portal.Core.ScriptJobs;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// The script job pages on a member's services in a bUnit circuit, and jobs written straight into the database as the
/// launch service and the supervisor would leave them (state, reason, tasks, GPU-seconds, metrics summary).
/// </summary>
public sealed class ScriptJobPagesKit(LeaseFactory factory) : IAsyncDisposable
{
    public const string Region = "us-south-1";
    public const string Sku = "a100-80gb";

    public BunitContext Ctx { get; } = new();
    public MemberScope Member { get; private set; } = null!;
    public Guid TenantId { get; private set; }
    public string OwnerId { get; private set; } = "";
    public string OwnerEmail { get; private set; } = "";

    public async Task StartAsync()
    {
        var owner = await factory.CreateUserAsync();
        (TenantId, OwnerId, OwnerEmail) = ((await factory.CreateOrganizationAsync(owner)).Id, owner.Id, owner.Email!);
        Ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        Ctx.Services.AddMudServices();
        Ctx.Services.AddSingleton(factory.Services.GetRequiredService<PortalChanges>());
        Ctx.Services.AddSingleton<TimeProvider>(factory.Clock);
    }

    /// <summary>The page acts as this user of the kit's organisation (the owner unless said otherwise).</summary>
    public async Task ActAsync(string? userId = null)
    {
        Member = await factory.As(TenantId, userId ?? OwnerId);
        foreach (var type in new[]
                 {
                     typeof(LeaseQueries), typeof(CurrentTenant), typeof(IDbContextFactory<PortalDbContext>), typeof(IOptions<ScriptJobOptions>),
                     typeof(ScriptJobLaunching), typeof(ScriptJobCancelling), typeof(ScriptJobQueries), typeof(ScriptJobQueue),
                     typeof(ScriptJobLogs), typeof(ScriptJobMetrics),
                 })
            Ctx.Services.AddSingleton(type, Member.Services.GetRequiredService(type));
        Ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        Ctx.Render<MudPopoverProvider>();
    }

    public async Task<string> NewMemberAsync(TenantRole role)
    {
        var user = await factory.CreateUserAsync();
        await factory.AddMemberAsync(TenantId, user, role);
        return user.Id;
    }

    /// <summary>A signed 8-GPU, 4-hour lease, Active (as the lifecycle job leaves it) for exactly one hour now: 8 GPU-hours elapsed.</summary>
    public async Task<Lease> ActiveLeaseAsync()
    {
        await using var owner = await factory.As(TenantId, OwnerId);
        var start = factory.ThisHour.AddHours(2);
        var held = await owner.Quoting.HoldAsync(new LeaseRequest(Region, Sku, 8, start, 4));
        var lease = await owner.Signing.SignAsync(held.Id, "Ada Lovelace", accepted: true);
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope))
        {
            await db.Leases.Where(l => l.Id == lease.Id).ExecuteUpdateAsync(s => s
                .SetProperty(l => l.State, LeaseState.Active).SetProperty(l => l.ActivatedAt, start));
        }
        factory.Clock.Advance(start.AddHours(1) - factory.Now);
        return (await owner.Queries.GetAsync(lease.Id))!;
    }

    /// <summary>A job of the lease in a state, with its tasks, as the launch service and supervisor leave it.</summary>
    public async Task<ScriptJob> AddJobAsync(Lease lease, string name, ScriptJobState state, Action<ScriptJob>? shape = null, int tasks = 1)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope).ForTenant(TenantId);
        var now = factory.Now;
        var job = new ScriptJob
        {
            TenantId = TenantId, LeaseId = lease.Id, Name = name, Script = "echo hello", GpusPerTask = 2, TaskCount = tasks,
            State = state, CreatedByUserId = OwnerId, CreatedAt = now.AddMinutes(-30),
            Sequence = await db.ScriptJobs.CountAsync() + 1,
            StartedAt = state == ScriptJobState.Queued ? null : now.AddMinutes(-20),
            EndedAt = ScriptJobStateMachine.IsFinal(state) ? now.AddMinutes(-5) : null,
        };
        for (var i = 0; i < tasks; i++)
            job.Tasks.Add(new ScriptJobTask
            {
                TenantId = TenantId, LeaseId = lease.Id, Index = i, State = state, Gpus = job.GpusPerTask, StartedAt = job.StartedAt, EndedAt = job.EndedAt,
                NodeId = state == ScriptJobState.Queued ? null : "a100-node-01", GpuIndexes = state == ScriptJobState.Queued ? null : $"{2 * i},{2 * i + 1}",
            });
        shape?.Invoke(job);
        db.ScriptJobs.Add(job);
        await db.SaveChangesAsync();
        return job;
    }

    public async ValueTask DisposeAsync()
    {
        await Ctx.DisposeAsync();
        if (Member is not null) await Member.DisposeAsync();
    }
}
