using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>Secret variables are write-only: encrypted at rest, in no query, no audit event, no variables JSON.</summary>
public class ScriptJobSecretTests(ScriptJobFactory factory) : IClassFixture<ScriptJobFactory>
{
    private const string Secret = "hf_sEcReT-t0ken-4711";
    private readonly ScriptJobKit kit = new(factory);

    [Fact]
    public async Task A_secret_value_is_stored_only_encrypted_and_shown_to_no_one()
    {
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync();
        var request = ScriptJobKit.Request() with { Variables = [new("HF_TOKEN", Secret, Secret: true), new("EPOCHS", "3")] };

        var launched = await kit.LaunchAsync(tenantId, ownerId, lease.Id, request);

        // The database row, every column as stored: the value is in none of them.
        var row = await RawRowAsync(launched.Id);
        Assert.DoesNotContain(row, c => c.Contains(Secret));
        var stored = Assert.Single(await kit.JobsAsync(lease.Id));
        Assert.NotNull(stored.SecretsProtected);
        Assert.DoesNotContain("HF_TOKEN", stored.SecretsProtected); // encrypted, names included
        Assert.Contains("\"secret\":true", stored.VariablesJson);
        Assert.Contains("EPOCHS", stored.VariablesJson);
        // Only the pool's side can read it back.
        var secrets = factory.Services.GetRequiredService<ScriptJobSecrets>();
        Assert.Equal(Secret, secrets.Reveal(stored)["HF_TOKEN"]);
        Assert.Equal(Secret, ScriptJobVariables.Environment(stored, secrets.Reveal(stored))["HF_TOKEN"]);

        Assert.DoesNotContain(await kit.AuditAsync(tenantId), e => $"{e.TargetName} {e.Reason}".Contains(Secret));
        Assert.Null(launched.SecretsProtected);
        var got = await kit.GetAsync(tenantId, ownerId, launched.Id);
        Assert.Null(got!.SecretsProtected);
        Assert.Equal([new JobVariable("HF_TOKEN", ScriptJobVariables.Mask, true), new JobVariable("EPOCHS", "3")], ScriptJobVariables.ForDisplay(got));
        await using var member = await factory.As(tenantId, ownerId);
        var listed = Assert.Single((await member.Get<ScriptJobQueries>().ListForLeaseAsync(lease.Id, new ScriptJobFilter()))!.Items);
        Assert.Null(listed.SecretsProtected);
        // The same launch again (an idempotent retry) does not hand the ciphertext out either.
        var again = await kit.LaunchAsync(tenantId, ownerId, lease.Id, request with { IdempotencyKey = "k" });
        var replay = await kit.LaunchAsync(tenantId, ownerId, lease.Id, request with { IdempotencyKey = "k" });
        Assert.Equal(again.Id, replay.Id);
        Assert.Null(replay.SecretsProtected);
    }

    /// <summary>Every column of the job's row as text, read with plain SQL.</summary>
    private async Task<List<string>> RawRowAsync(Guid jobId)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var conn = db.Database.GetDbConnection();
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT * FROM \"ScriptJobs\"";
        var values = new List<string>();
        await using DbDataReader reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            for (var i = 0; i < reader.FieldCount; i++) values.Add(Convert.ToString(reader.GetValue(i)) ?? "");
        Assert.Contains(values, v => v.Equals(jobId.ToString(), StringComparison.OrdinalIgnoreCase));
        return values;
    }
}
