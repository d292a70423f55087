using Microsoft.AspNetCore.Components.Server.Circuits;
using Portal.Core.Tenancy;

namespace Portal.Web.Tenancy;

/// <summary>
/// Marks an interactive session's <see cref="CurrentTenant"/> as long-lived, so services re-read the member's role
/// before each change (a page left open for hours must not act with a role taken away meanwhile).
/// </summary>
public sealed class TenantCircuitHandler(CurrentTenant tenant) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        tenant.MarkLongLived();
        return Task.CompletedTask;
    }
}
