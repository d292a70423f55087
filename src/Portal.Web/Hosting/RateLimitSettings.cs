namespace Portal.Web.Hosting;

/// <summary>
/// The <c>RateLimits</c> settings: how many requests each door lets through per window, counted per client address,
/// per account (the e-mail typed, or the user of a two-factor sign-in), per API key or per signed-in user.
/// A window is fixed: past the limit, requests get 429 with Retry-After until it ends.
/// </summary>
public sealed class RateLimitSettings
{
    public const string Section = "RateLimits";

    /// <summary>Sign-in, two-factor and recovery codes: slows password guessing on one account and spraying over many.</summary>
    public DoorLimits SignIn { get; set; } = new() { PerIp = 30, PerAccount = 10, WindowSeconds = 300 };

    /// <summary>New accounts: each sends a confirmation e-mail.</summary>
    public DoorLimits Register { get; set; } = new() { PerIp = 10, PerAccount = 3, WindowSeconds = 3600 };

    /// <summary>Forgot password, reset password and resend confirmation: each may send an e-mail.</summary>
    public DoorLimits PasswordReset { get; set; } = new() { PerIp = 10, PerAccount = 5, WindowSeconds = 900 };

    public ApiLimits Api { get; set; } = new();
}

public sealed class DoorLimits
{
    public int PerIp { get; set; }
    public int PerAccount { get; set; }
    public int WindowSeconds { get; set; }
}

/// <summary>/api and /v1.</summary>
public sealed class ApiLimits
{
    /// <summary>Per API key (however many clients share it).</summary>
    public int PerKey { get; set; } = 300;

    /// <summary>Per user signed in with the cookie.</summary>
    public int PerUser { get; set; } = 300;

    /// <summary>Per client address for calls without a valid key or sign-in: public reads and guessed keys.</summary>
    public int AnonymousPerIp { get; set; } = 60;

    public int WindowSeconds { get; set; } = 10;

    public int AnonymousWindowSeconds { get; set; } = 60;
}
