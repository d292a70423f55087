using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Portal.Core.Data;

namespace Portal.Web.Components.Account;

/// <summary>
/// Ends every other session of a user at once when their security stamp changes (sign-out, password change or
/// reset, two-factor changes, e-mail change): each cookie-authenticated request compares the cookie's stamp with
/// the user's (one lookup by id) instead of Identity's default of every 30 minutes. The session that made the change
/// is signed in again with the new stamp by its page (RefreshSignInAsync). API keys are another scheme: unaffected.
/// </summary>
internal static class SessionStampCheck
{
    public static void CheckOnEveryRequest(CookieAuthenticationOptions options)
    {
        // Identity's SecurityStampValidator stays, to refresh the principal's claims at its own interval.
        var refreshClaims = options.Events.OnValidatePrincipal;
        options.Events.OnValidatePrincipal = async context =>
        {
            if (context.Principal is null || !await StampMatchesAsync(context.HttpContext, context.Principal))
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                return;
            }
            await refreshClaims(context);
        };
    }

    /// <summary>Whether the principal's security stamp is still its user's (false for a deleted user).</summary>
    public static async Task<bool> StampMatchesAsync(HttpContext http, ClaimsPrincipal principal)
    {
        var users = http.RequestServices.GetRequiredService<UserManager<ApplicationUser>>();
        return await StampMatchesAsync(users, principal);
    }

    public static async Task<bool> StampMatchesAsync(UserManager<ApplicationUser> users, ClaimsPrincipal principal)
    {
        var user = await users.GetUserAsync(principal);
        if (user is null) return false;
        if (!users.SupportsUserSecurityStamp) return true;
        var stamp = principal.FindFirstValue(users.Options.ClaimsIdentity.SecurityStampClaimType);
        return stamp == await users.GetSecurityStampAsync(user);
    }
}
