using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Secret variables at rest: encrypted with the portal's Data Protection keys (shared by every process of a
/// deployment), revealed only to hand them to the pool and to mask them in logs. Nothing shows them to anyone.
/// </summary>
public sealed class ScriptJobSecrets(IDataProtectionProvider protection)
{
    private readonly IDataProtector protector = protection.CreateProtector("Portal.ScriptJobs.Secrets.v1");

    /// <summary>Null when there are no secrets.</summary>
    public string? Protect(IReadOnlyDictionary<string, string> secrets) =>
        secrets.Count == 0 ? null : protector.Protect(JsonSerializer.Serialize(secrets));

    /// <summary>The job's secret variables by name; empty when it has none.</summary>
    public IReadOnlyDictionary<string, string> Reveal(ScriptJob job) =>
        job.SecretsProtected is { Length: > 0 } p
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(protector.Unprotect(p)) ?? []
            : new Dictionary<string, string>();
}
