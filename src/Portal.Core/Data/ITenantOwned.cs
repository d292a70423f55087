namespace Portal.Core.Data;

/// <summary>
/// Marks an entity as belonging to one tenant. <see cref="PortalDbContext"/> gives every such type a
/// query filter on the current tenant, and <see cref="TenantSaveInterceptor"/> stamps and guards writes.
/// </summary>
public interface ITenantOwned
{
    Guid TenantId { get; set; }
}

public sealed class CrossTenantWriteException(string message) : InvalidOperationException(message);
