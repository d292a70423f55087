using Portal.Core.Refusals;

namespace Portal.Core.Tenancy;

/// <summary>
/// Refused because of who is asking in which organisation (see <see cref="ActionRefusedException"/>): no organisation,
/// a role too low for the action, or an organisation that is suspended. Thrown by <see cref="CurrentTenant"/>'s checks,
/// which every feature calls rather than writing its own.
/// </summary>
public sealed class TenantActionRefusedException(string code, string message, int status = 403) : ActionRefusedException(code, message, status)
{
    public const string SuspendedCode = "tenant_suspended";

    public static TenantActionRefusedException NoOrganisation() => new("forbidden", "Choose or create an organisation first.");

    public static TenantActionRefusedException Suspended(string? tenantName, string? reason) => new(SuspendedCode,
        $"{tenantName} is suspended{(reason is { Length: > 0 } r ? $": {r}" : "")}. " +
        "You can still read everything, but nothing that costs money can start. Contact support.");

    /// <summary>
    /// "Your role (Viewer) cannot create batches; ask an Owner, Admin or Member of Acme." For an API key, which key would
    /// do: the scope that grants <paramref name="needed"/> (Batches for Member, Leases for Admin).
    /// </summary>
    public static TenantActionRefusedException RoleTooLow(TenantRole? role, TenantRole needed, string what, string? tenantName, bool apiKey) =>
        new("forbidden", apiKey
            ? $"This API key acts as {role} and cannot {what}: use a key with the {ScopeFor(needed)} scope, made by {TeamRules.WithArticle(needed)} or above."
            : RoleMessage(role, needed, what, tenantName));

    /// <summary>The words of a member's role refusal, for checks that must read the role inside their own transaction (the team's).</summary>
    public static string RoleMessage(TenantRole? role, TenantRole needed, string what, string? tenantName) =>
        $"Your role ({role?.ToString() ?? "none"}) cannot {what}; ask {Allowed(needed)} of {tenantName ?? "the organisation"}.";

    /// <summary>Who may: "an Owner", "an Owner or Admin", "an Owner, Admin or Member".</summary>
    private static string Allowed(TenantRole needed) => needed switch
    {
        TenantRole.Owner => "an Owner",
        TenantRole.Admin => "an Owner or Admin",
        _ => "an Owner, Admin or Member",
    };

    private static string ScopeFor(TenantRole needed) => needed <= TenantRole.Admin ? "Leases" : "Batches";
}
