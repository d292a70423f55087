using Microsoft.EntityFrameworkCore;
using Portal.Core.ApiKeys;
using Portal.Core.Leases;
using Portal.Core.ScriptJobs;
using Portal.Core.Tenancy;

namespace Portal.Tests.ScriptJobs;

/// <summary>Who may do what with jobs: roles inside an organisation, another organisation's leases and jobs, a suspension.</summary>
public class ScriptJobAccessTests(ScriptJobFactory factory) : IClassFixture<ScriptJobFactory>
{
    private readonly ScriptJobKit kit = new(factory);

    [Fact]
    public async Task A_viewer_reads_jobs_but_cannot_launch_or_cancel_them()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var job = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request());
        var viewer = await kit.MemberAsync(tenantId, TenantRole.Viewer);

        var launch = await Assert.ThrowsAsync<TenantActionRefusedException>(() => kit.LaunchAsync(tenantId, viewer, lease.Id, ScriptJobKit.Request()));
        var cancel = await Assert.ThrowsAsync<TenantActionRefusedException>(() => kit.CancelAsync(tenantId, viewer, job.Id));

        Assert.Equal((403, "forbidden"), (launch.Status, launch.Code));
        Assert.Contains("Your role (Viewer) cannot launch jobs", launch.Message);
        Assert.Contains("Your role (Viewer) cannot cancel jobs", cancel.Message);
        Assert.Equal(ScriptJobState.Queued, Assert.Single(await kit.JobsAsync(lease.Id)).State);
        Assert.Equal(job.Id, (await kit.GetAsync(tenantId, viewer, job.Id))?.Id);
        await using var member = await factory.As(tenantId, viewer);
        var page = await member.Get<ScriptJobQueries>().ListForLeaseAsync(lease.Id, new ScriptJobFilter());
        Assert.Equal(job.Id, Assert.Single(page!.Items).Id);
    }

    [Fact]
    public async Task A_read_only_api_key_is_told_which_scope_launches_jobs()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        await using var key = await factory.As(tenantId, ownerId);
        key.Get<CurrentTenant>().SetApiKey(new ApiKeyCaller(Guid.NewGuid(), "ci", "pk_test", ApiKeyScopes.Read, tenantId, "Org", "org",
            TenantState.Active, null, ownerId, null, TenantRole.Viewer));

        var refused = await Assert.ThrowsAsync<TenantActionRefusedException>(() => key.Get<ScriptJobLaunching>().LaunchAsync(lease.Id, ScriptJobKit.Request()));

        Assert.Equal(403, refused.Status);
        Assert.Contains("This API key acts as Viewer and cannot launch jobs: use a key with the Jobs scope", refused.Message);
        Assert.Empty(await kit.JobsAsync(lease.Id));
    }

    [Fact]
    public async Task A_member_launches_and_cancels_jobs_another_member_launched()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var member = await kit.MemberAsync(tenantId, TenantRole.Member);
        var ownersJob = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request("owner's"));

        var membersJob = await kit.LaunchAsync(tenantId, member, lease.Id, ScriptJobKit.Request("member's"));
        var cancelled = await kit.CancelAsync(tenantId, member, ownersJob.Id);

        Assert.Equal(member, membersJob.CreatedByUserId);
        Assert.Equal((ScriptJobState.Cancelled, member), (cancelled.State, cancelled.CancelledByUserId));
    }

    [Fact]
    public async Task Another_organisations_lease_and_job_are_not_found()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var job = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request());
        var (rivalId, rivalOwner, rivalLease) = await kit.ActiveLeaseAsync();

        var launch = await Assert.ThrowsAsync<LeaseException>(() => kit.LaunchAsync(rivalId, rivalOwner, lease.Id, ScriptJobKit.Request()));
        var cancel = await Assert.ThrowsAsync<ScriptJobException>(() => kit.CancelAsync(rivalId, rivalOwner, job.Id));

        Assert.Equal(404, launch.Status);
        Assert.Equal(404, cancel.Status);
        Assert.Null(await kit.GetAsync(rivalId, rivalOwner, job.Id));
        await using var rival = await factory.As(rivalId, rivalOwner);
        var queries = rival.Get<ScriptJobQueries>();
        Assert.Null(await queries.ListForLeaseAsync(lease.Id, new ScriptJobFilter()));
        Assert.Empty((await queries.ListAsync(new ScriptJobFilter())).Items);
        Assert.Empty(await queries.CountByStateAsync(lease.Id));
        Assert.Equal(ScriptJobState.Queued, Assert.Single(await kit.JobsAsync(lease.Id)).State);
        Assert.Empty(await kit.JobsAsync(rivalLease.Id));
    }

    [Fact]
    public async Task A_suspended_organisation_cannot_launch_but_still_reads_and_cancels()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var job = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request());
        await kit.ArrangeAsync(db => db.Tenants.Where(t => t.Id == tenantId)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.State, TenantState.Suspended).SetProperty(t => t.SuspendedReason, "unpaid invoice")));

        var refused = await Assert.ThrowsAsync<TenantActionRefusedException>(() => kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request()));

        Assert.Equal(TenantActionRefusedException.SuspendedCode, refused.Code);
        Assert.Contains("unpaid invoice", refused.Message);
        Assert.Single(await kit.JobsAsync(lease.Id));
        Assert.NotNull(await kit.GetAsync(tenantId, ownerId, job.Id));
        // Stopping spends nothing: a suspended organisation may still cancel what it started.
        Assert.Equal(ScriptJobState.Cancelled, (await kit.CancelAsync(tenantId, ownerId, job.Id)).State);
    }
}
