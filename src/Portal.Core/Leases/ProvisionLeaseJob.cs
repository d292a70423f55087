using Hangfire;
using Microsoft.Extensions.Logging;
using Portal.Core.Pool;
using Portal.Core.Catalog;

namespace Portal.Core.Leases;

/// <summary>
/// Scheduled → Provisioning at start minus the lead → Active once the pool holds every allocation due. Reserves
/// outside any transaction and records each reservation at once, so a run killed halfway and run again finishes
/// the job without doubling anything. A failed reservation is retried with exponential backoff; after
/// <see cref="LeaseOptions.MaxProvisionAttempts"/> the lease is Failed and its capacity released. On an active
/// lease it reserves what became due since (a node failure's replacement; an extension rides on the reservation
/// it continues). Run early, or run twice, it changes nothing.
/// </summary>
public sealed class ProvisionLeaseJob(LeaseTransitions transitions, LifecyclePool pool, BatchedReservations batches, LeaseScheduler scheduler,
    IBackgroundJobClient jobs, ILogger<ProvisionLeaseJob> logger)
{
    private LeaseOptions Options => transitions.Options;

    public async Task RunAsync(Guid leaseId, CancellationToken ct = default)
    {
        var lease = await transitions.FindAsync(leaseId, ct);
        if (lease is null || !IsDue(lease, transitions.Now)) return;
        if (LeaseStateMachine.Allows(lease.State, LeaseAction.StartProvisioning))
        {
            lease = await transitions.ChangeAsync(leaseId, c =>
            {
                if (!LeaseStateMachine.Allows(c.Lease.State, LeaseAction.StartProvisioning) || !IsDue(c.Lease, c.Now)) return false;
                LeaseStateMachine.Apply(c.Lease, LeaseAction.StartProvisioning);
                c.Event($"Provisioning: reserving {Counted.Gpus(c.Lease.Gpus)} on the pool.");
                return true;
            }, ct);
            if (lease is null || lease.State != LeaseState.Provisioning) return;
        }

        var now = transitions.Now;
        var due = DueAllocations(lease, now);
        // An extension continues the reservation of the allocation before it on the same node: the pool only moves its end.
        var covered = due.Where(a => LifecyclePool.ReservedPredecessor(a, lease.Allocations) is not null).ToList();
        var results = await pool.ExtendAsync(covered, ct);
        results.AddRange(await batches.ReserveAsync([.. due.Except(covered)], ct));
        await ConcludeAsync(leaseId, results, ct);
    }

    /// <summary>Whether running now has anything to do: provisioning is due, a retry is due, or an active lease misses a reservation.</summary>
    public bool IsDue(Lease lease, DateTime now)
    {
        if (lease.End <= now) return false; // over: ending it is EndLeaseJob's work
        return lease.State switch
        {
            LeaseState.Scheduled => now >= lease.Start - Options.ProvisionLead,
            LeaseState.Provisioning => lease.NextProvisionAttemptAt is not { } next || next <= now,
            LeaseState.Active => DueAllocations(lease, now).Count > 0,
            _ => false,
        };
    }

    /// <summary>Firm allocations the pool should hold by now (from the lead before their start) that it does not yet.</summary>
    public List<Allocation> DueAllocations(Lease lease, DateTime now) =>
        [.. lease.Allocations.Where(a => a.Status == AllocationStatus.Firm && a.ReservedAt == null
            && a.End > now && a.Start - Options.ProvisionLead <= now)];

    private enum Outcome { Nothing, Activated, Retry, Failed, Abandoned }

    private async Task ConcludeAsync(Guid leaseId, List<PoolReservation> results, CancellationToken ct)
    {
        var failures = results.Where(r => !r.Result.Succeeded).ToList();
        var outcome = Outcome.Nothing;
        var lease = await transitions.ChangeAsync(leaseId, async c =>
        {
            var l = c.Lease;
            outcome = Outcome.Nothing;
            if (l.State is not (LeaseState.Provisioning or LeaseState.Active))
            {
                outcome = Outcome.Abandoned; // cancelled, terminated or failed meanwhile
                return false;
            }
            if (failures.Count == 0 && DueAllocations(l, c.Now).Count == 0)
            {
                if (l.State == LeaseState.Provisioning)
                {
                    await ActivateAsync(c, ct);
                    outcome = Outcome.Activated;
                    return true;
                }
                if (!l.Degraded || !LeaseTransitions.IsWhole(l, c.Now)) return false;
                await transitions.RestoreAsync(c, ct);
                return true;
            }
            // An active lease keeps running on what it has; the sweep asks the pool again in a minute.
            if (l.State == LeaseState.Active || failures.Count == 0) return false;
            if (l.NextProvisionAttemptAt is { } next && next > c.Now) return false; // a parallel run counted this attempt
            var reason = Describe(failures);
            if (failures.All(f => f.Result.Outcome == ReservationOutcome.InsufficientGpus) && c.Now < l.Start)
            {
                // Before the start the node may still be running the lease before this one: wait for its end,
                // without counting an attempt.
                l.NextProvisionAttemptAt = l.Start;
                outcome = Outcome.Retry;
                return true;
            }
            l.ProvisionAttempts++;
            if (l.ProvisionAttempts >= Options.MaxProvisionAttempts)
            {
                await transitions.FailAsync(c, $"The pool could not provision it after {l.ProvisionAttempts} attempts: {reason}", ct);
                outcome = Outcome.Failed;
                return true;
            }
            var delay = TimeSpan.FromSeconds(Options.ProvisionBackoffSeconds * Math.Pow(2, l.ProvisionAttempts - 1));
            l.NextProvisionAttemptAt = c.Now + delay;
            c.Event($"Provisioning attempt {l.ProvisionAttempts} failed ({reason}); retrying at {l.NextProvisionAttemptAt:HH:mm:ss} UTC.");
            outcome = Outcome.Retry;
            return true;
        }, ct);
        if (lease is null) return;

        switch (outcome)
        {
            case Outcome.Activated:
                scheduler.LeaseEndChanged(lease);
                break;
            case Outcome.Retry:
                var at = lease.NextProvisionAttemptAt!.Value;
                jobs.Schedule<ProvisionLeaseJob>(j => j.RunAsync(leaseId, CancellationToken.None), at - transitions.Now);
                logger.LogInformation("Lease {Lease}: provisioning retry at {At:O} ({Reason})", leaseId, at, Describe(failures));
                break;
            case Outcome.Failed or Outcome.Abandoned:
                // What this run reserved as well as what the database knows: a reservation that landed after the
                // lease was cancelled must not stay on the pool.
                var release = LifecyclePool.NeedingRelease(lease, transitions.Now);
                release.AddRange(results.Where(r => r.Result.Succeeded && release.All(a => a.Id != r.Allocation.Id)).Select(r => r.Allocation));
                await pool.ReleaseAsync(release, ct);
                break;
            case Outcome.Nothing when failures.Count > 0:
                logger.LogWarning("Lease {Lease} ({State}): the pool refused {Reason}; the sweep will ask again", leaseId, lease.State, Describe(failures));
                break;
        }
    }

    private async Task ActivateAsync(LeaseChange c, CancellationToken ct)
    {
        var l = c.Lease;
        LeaseStateMachine.Apply(l, LeaseAction.Activate);
        // A lease asked for "now" starts at the minute it became active and runs its hours from there.
        var shifted = StartOnActivation.Shift(l, c.Now);
        l.ActivatedAt = c.Now;
        l.NextProvisionAttemptAt = null;
        var running = l.Allocations.Where(a => a.Status == AllocationStatus.Firm && a.ReservedAt != null && a.End > c.Now).ToList();
        var nodes = NodeRanges.Format(running.Select(a => a.NodeId));
        // A lease that lost GPUs to a failed node before it started runs on what is left (the rest is credited).
        var gpus = Math.Min(l.Gpus, running.Sum(a => a.Gpus));
        c.Event((gpus == l.Gpus
            ? $"Active: {Counted.Gpus(l.Gpus)} ready on {nodes}."
            : $"Active on {gpus} of its {Counted.Gpus(l.Gpus)}{(nodes.Length > 0 ? $" ({nodes})" : "")}.")
            + (shifted ? $" Billed from {l.Start:HH:mm} to {l.End:yyyy-MM-dd HH:mm} UTC." : ""));
        var sku = await c.SkuNameAsync(ct);
        await c.NotifyAsync("lease.active", $"Lease active: {l.Gpus} × {sku}",
            $"Your lease of {l.Gpus} × {sku} in {l.RegionId} is active on {nodes} until {l.End:yyyy-MM-dd HH:mm} UTC.", ct);
    }

    private static string Describe(List<PoolReservation> failures) =>
        string.Join("; ", failures.Select(f => $"{f.Allocation.NodeId}: {f.Result.Message ?? f.Result.Outcome.ToString()}").Distinct().Take(3));
}
