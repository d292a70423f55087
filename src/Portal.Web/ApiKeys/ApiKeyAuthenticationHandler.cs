using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Portal.Core.ApiKeys;
using Portal.Web.Batches;

namespace Portal.Web.ApiKeys;

/// <summary>
/// The "ApiKey" scheme: <c>Authorization: Bearer sk-portal-...</c>. Looks the key up on every request (see
/// <see cref="ApiKeyAuthenticator"/>) and leaves the caller in the request's features for the tenancy middleware.
/// Refusals speak the API's language: OpenAI's error shape on /v1, problem details elsewhere.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, ApiKeyAuthenticator authenticator) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string KeyIdClaim = "portal:api_key_id";
    public const string ScopesClaim = "portal:api_key_scopes";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.Fail("Send the API key as 'Authorization: Bearer sk-portal-...'.");
        var caller = await authenticator.AuthenticateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (caller is null) return AuthenticateResult.Fail("Unknown or revoked API key.");

        Context.Features.Set(caller);
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, caller.UserId),
            new Claim(ClaimTypes.Name, caller.ActorName),
            new Claim(KeyIdClaim, caller.KeyId.ToString()),
            new Claim(ScopesClaim, ((int)caller.Scopes).ToString()),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var header = Request.Headers.Authorization.ToString();
        var shown = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : "";
        if (OpenAiApi.IsOpenAiPath(Request.Path))
        {
            // OpenAI: a missing key has no code, a wrong one is invalid_api_key; both 401.
            var error = shown.Length == 0
                ? OpenAiError.Create(401, "You didn't provide an API key. Send it in an Authorization header using Bearer auth " +
                    "(Authorization: Bearer sk-portal-...). Owners and Admins create keys at /settings/api-keys.", code: null)
                : OpenAiError.Create(401, $"Incorrect API key provided: {Redact(shown)}. " +
                    "It is unknown or was revoked; find or create your keys at /settings/api-keys.", code: "invalid_api_key");
            await error.ExecuteAsync(Context);
            return;
        }
        await Results.Problem(statusCode: 401, title: "Unauthorized",
                detail: shown.Length == 0 ? "Sign in first, or send an API key." : "The API key is unknown or was revoked.")
            .ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        const string message = "This API key's scopes do not allow this request. " +
            "Owners and Admins can make a key with the scopes it needs at /settings/api-keys.";
        if (OpenAiApi.IsOpenAiPath(Request.Path))
            await OpenAiError.Create(403, message, code: "insufficient_permissions").ExecuteAsync(Context);
        else
            await Results.Problem(statusCode: 403, title: "Forbidden", detail: message).ExecuteAsync(Context);
    }

    /// <summary>As OpenAI shows a wrong key: the start and the end only.</summary>
    private static string Redact(string key) => key.Length <= 12 ? "****" : $"{key[..10]}****{key[^4..]}";
}
