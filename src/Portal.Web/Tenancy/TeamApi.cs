using Portal.Core.Tenancy;

namespace Portal.Web.Tenancy;

/// <summary>
/// The team under /api/v1/organization (cookie-authenticated, like the members page): invitations, role changes,
/// removal and leaving. Refusals are <see cref="TeamException"/>s, answered as problem details with a <c>code</c> (forbidden
/// 403, not_found 404, already_member, already_invited, last_owner 409, invalid 400) by Portal.Web/Refusals; they change nothing.
/// </summary>
public static class TeamApi
{
    public static void MapTeamApi(RouteGroupBuilder api)
    {
        api.MapGet("/invitations", async (TeamGate gate, TeamInvitations invitations, CancellationToken ct) =>
            gate.CanManage ? Results.Ok(await invitations.ListInvitationsAsync(ct)) : throw TeamException.Forbidden("Only Owners and Admins see invitations."))
            .WithSummary("Open invitations (Owners and Admins)");

        api.MapPost("/invitations", async (InviteBody body, TeamInvitations team, HttpRequest request, CancellationToken ct) =>
            {
                var role = ParseRole(body.Role);
                var created = await team.InviteAsync(body.Email, role, BaseUri(request), ct);
                return Results.Created($"/api/v1/organization/invitations/{created.Id}", created);
            })
            .WithSummary("Invite someone by e-mail with a role (Owners; Admins for Admin, Member, Viewer)");

        api.MapPost("/invitations/{id:guid}/resend", async (Guid id, TeamInvitations team, HttpRequest request, CancellationToken ct) =>
                Results.Ok(await team.ResendAsync(id, BaseUri(request), ct)))
            .WithSummary("Send a new link (the old one stops working)");

        api.MapDelete("/invitations/{id:guid}", async (Guid id, TeamInvitations team, CancellationToken ct) =>
                { await team.RevokeInvitationAsync(id, ct); return Results.NoContent(); })
            .WithSummary("Revoke an invitation");

        api.MapPut("/members/{id:guid}/role", async (Guid id, RoleBody body, TeamMembers team, CancellationToken ct) =>
                Results.Ok(await team.ChangeRoleAsync(id, ParseRole(body.Role), ct)))
            .WithSummary("Change a member's role");

        api.MapDelete("/members/{id:guid}", async (Guid id, TeamMembers team, CancellationToken ct) =>
                { await team.RemoveAsync(id, ct); return Results.NoContent(); })
            .WithSummary("Remove a member");

        api.MapPost("/leave", async (TeamMembers team, CancellationToken ct) =>
                { await team.LeaveAsync(ct); return Results.NoContent(); })
            .WithSummary("Leave the organisation (not the last Owner)");
    }

    private static TenantRole ParseRole(string? role) =>
        Enum.TryParse<TenantRole>(role, ignoreCase: true, out var r) && Enum.IsDefined(r) && !int.TryParse(role, out _)
            ? r
            : throw TeamException.Invalid("Choose a role: Owner, Admin, Member or Viewer.");

    private static string BaseUri(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/";
}

public sealed record InviteBody(string? Email, string? Role);
public sealed record RoleBody(string? Role);
