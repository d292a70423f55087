using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Core.Identity;

/// <summary>
/// Identity's sign-in, answering alike for addresses with and without an account: an unknown address spends the same
/// password-hashing work (a check against a dummy hash) and is locked out after the same failures
/// (<see cref="UnknownAccountLockout"/>), so neither the answer nor its time tells who has an account.
/// </summary>
public sealed class PortalSignInManager(UserManager<ApplicationUser> userManager, IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<ApplicationUser> claimsFactory, IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<ApplicationUser>> logger, IAuthenticationSchemeProvider schemes,
    IUserConfirmation<ApplicationUser> confirmation, UnknownAccountLockout unknownAccounts, SignInAudit signIns)
    : SignInManager<ApplicationUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    // A hash of a random password with the configured hasher (same algorithm and iterations), made once.
    private static string? dummyHash;
    private static readonly ApplicationUser DummyUser = new() { Id = "dummy", UserName = "dummy" };

    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        var user = await UserManager.FindByNameAsync(userName);
        if (user is not null)
        {
            var result = await base.PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure);
            // An unconfirmed account is refused before its password is checked: spend the check anyway.
            if (result.IsNotAllowed) SpendPasswordCheck(password);
            return result;
        }

        var key = UserManager.NormalizeName(userName) ?? userName;
        // A locked-out account is refused before its password is checked, too.
        if (lockoutOnFailure && unknownAccounts.IsLockedOut(key)) return SignInResult.LockedOut;
        SpendPasswordCheck(password);
        return lockoutOnFailure && unknownAccounts.CountFailure(key) ? SignInResult.LockedOut : SignInResult.Failed;
    }

    /// <summary>Wrong passwords and lockouts of a real account go to the audit log (Support's user page shows them).</summary>
    public override async Task<SignInResult> CheckPasswordSignInAsync(ApplicationUser user, string password, bool lockoutOnFailure)
    {
        var wasLocked = await IsLockedOut(user);
        var result = await base.CheckPasswordSignInAsync(user, password, lockoutOnFailure);
        if (result.IsLockedOut)
            await signIns.RecordAsync(user, wasLocked ? SignInAudit.SignInFailed : SignInAudit.LockedOut,
                wasLocked ? "The account is locked." : "Too many wrong passwords.");
        else if (!result.Succeeded && !result.IsNotAllowed)
            await signIns.RecordAsync(user, SignInAudit.SignInFailed, "Wrong password.");
        return result;
    }

    /// <summary>A wrong authenticator code counts like a wrong password: audited, and the lockout it leads to too.</summary>
    public override Task<SignInResult> TwoFactorAuthenticatorSignInAsync(string code, bool isPersistent, bool rememberClient) =>
        AuditSecondFactorAsync(() => base.TwoFactorAuthenticatorSignInAsync(code, isPersistent, rememberClient), "Wrong two-factor code.");

    public override Task<SignInResult> TwoFactorRecoveryCodeSignInAsync(string recoveryCode) =>
        AuditSecondFactorAsync(() => base.TwoFactorRecoveryCodeSignInAsync(recoveryCode), "Wrong recovery code.");

    private async Task<SignInResult> AuditSecondFactorAsync(Func<Task<SignInResult>> signIn, string wrong)
    {
        // The user the password step let through; read before the attempt, which may end the two-factor session.
        var user = await GetTwoFactorAuthenticationUserAsync();
        var wasLocked = user is not null && await IsLockedOut(user);
        var result = await signIn();
        if (user is null || result.Succeeded) return result;
        if (result.IsLockedOut)
            await signIns.RecordAsync(user, wasLocked ? SignInAudit.SignInFailed : SignInAudit.LockedOut,
                wasLocked ? "The account is locked." : "Too many wrong two-factor codes.");
        else if (!result.IsNotAllowed)
            await signIns.RecordAsync(user, SignInAudit.SignInFailed, wrong);
        return result;
    }

    // Every way in (password, two-factor, passkey, external, right after registering) ends here; a refresh re-issues the
    // cookie of someone already signed in and is not a sign-in.
    private bool refreshing;

    public override async Task RefreshSignInAsync(ApplicationUser user)
    {
        refreshing = true;
        try { await base.RefreshSignInAsync(user); }
        finally { refreshing = false; }
    }

    public override async Task SignInWithClaimsAsync(ApplicationUser user, AuthenticationProperties? authenticationProperties,
        IEnumerable<System.Security.Claims.Claim> additionalClaims)
    {
        await base.SignInWithClaimsAsync(user, authenticationProperties, additionalClaims);
        if (!refreshing) await signIns.RecordAsync(user, SignInAudit.SignedIn);
    }

    private void SpendPasswordCheck(string password)
    {
        var hasher = UserManager.PasswordHasher;
        dummyHash ??= hasher.HashPassword(DummyUser, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
        hasher.VerifyHashedPassword(DummyUser, dummyHash, password);
    }
}
