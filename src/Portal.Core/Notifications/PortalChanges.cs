using Microsoft.Extensions.Logging;

namespace Portal.Core.Notifications;

/// <summary>
/// What changed: a lease (with its id), a user's notifications, or a batch (its progress or status; the batch's
/// <c>batch_...</c> id in <see cref="EntityKey"/>).
/// </summary>
public sealed record PortalChange(Guid TenantId, string Kind, Guid? EntityId = null, string? EntityKey = null)
{
    public const string Lease = "lease";
    public const string Notifications = "notifications";
    public const string Batch = "batch";
    public const string Job = "job";
}

/// <summary>
/// The in-process notifier that lets background jobs push changes to open pages (DESIGN.md): a lease
/// page turns Active without a reload. Subscribers must be quick and must not throw; one that does is logged
/// and skipped, so the job that published and the other subscribers carry on.
/// </summary>
public sealed class PortalChanges(ILogger<PortalChanges> logger)
{
    public event Action<PortalChange>? Changed;

    public void Publish(PortalChange change)
    {
        foreach (var handler in Changed?.GetInvocationList() ?? [])
        {
            try { ((Action<PortalChange>)handler)(change); }
            catch (Exception e)
            {
                // A closed circuit's handler must not break the job that published, nor the other pages.
                logger.LogError(e, "A subscriber to {Kind} changes of tenant {TenantId} threw", change.Kind, change.TenantId);
            }
        }
    }
}
