using Portal.Core.Refusals;

namespace Portal.Core.Tenancy;

/// <summary>A team change refused (see <see cref="ActionRefusedException"/>): 400, 403, 404 or 409.</summary>
public sealed class TeamException(string code, string message, int status) : ActionRefusedException(code, message, status)
{
    public static new TeamException Forbidden(string message) => new("forbidden", message, 403);
    public static new TeamException NotFound(string message) => new("not_found", message, 404);
    public static new TeamException Conflict(string code, string message) => new(code, message, 409);
    public static TeamException Invalid(string message) => new("invalid", message, 400);
}

/// <summary>
/// Who may do what to the team, as pure rules (the service applies them to roles read inside its transaction):
/// Owners and Admins manage people; Admins never touch Owners nor make anyone Owner; an organisation always keeps an
/// Owner.
/// </summary>
public static class TeamRules
{
    public static readonly TenantRole[] AllRoles = [TenantRole.Owner, TenantRole.Admin, TenantRole.Member, TenantRole.Viewer];

    public static bool ManagesPeople(TenantRole actor) => actor is TenantRole.Owner or TenantRole.Admin;

    /// <summary>The roles <paramref name="actor"/> may give (by invitation or change): Owners any, Admins all but Owner.</summary>
    public static IEnumerable<TenantRole> Grantable(TenantRole actor) => actor switch
    {
        TenantRole.Owner => AllRoles,
        TenantRole.Admin => [TenantRole.Admin, TenantRole.Member, TenantRole.Viewer],
        _ => [],
    };

    public static bool CanGrant(TenantRole actor, TenantRole role) => Grantable(actor).Contains(role);

    /// <summary>Whether <paramref name="actor"/> may change or remove a member who is <paramref name="target"/>.</summary>
    public static bool CanManage(TenantRole actor, TenantRole target) =>
        actor == TenantRole.Owner || (actor == TenantRole.Admin && target != TenantRole.Owner);

    /// <summary>"an Owner", "an Admin", "a Member", "a Viewer".</summary>
    public static string WithArticle(TenantRole role) => (role is TenantRole.Owner or TenantRole.Admin ? "an " : "a ") + role;
}
