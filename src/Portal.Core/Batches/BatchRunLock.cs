using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Portal.Core.Data;

namespace Portal.Core.Batches;

/// <summary>
/// At most one runner per batch, or two would append the same lines. In this process: a set of batch ids. Across
/// worker processes (PostgreSQL only; SQLite's job storage is for one process): a session advisory lock on its own
/// connection, which the database releases by itself when the process dies, so a crashed runner never blocks the
/// resume. The sweep asks <see cref="IsRunningAsync"/> before restarting a batch.
/// </summary>
public sealed class BatchRunLock(DatabaseSettings database)
{
    private readonly HashSet<string> running = [];
    private readonly Lock gate = new();

    /// <summary>The batch's lock, or null when a runner (here or in another process) holds it.</summary>
    public async Task<IAsyncDisposable?> TryAcquireAsync(string batchId, CancellationToken ct)
    {
        lock (gate)
            if (!running.Add(batchId)) return null;
        if (database.Provider != DatabaseProvider.PostgreSql) return new Held(this, batchId, null);

        NpgsqlConnection? connection = null;
        try
        {
            // Not pooled: closing must end the session (a pooled one would keep its locks until reused).
            connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", Key(batchId));
            if (await command.ExecuteScalarAsync(ct) is true) return new Held(this, batchId, connection);
        }
        catch
        {
            Release(batchId, connection);
            throw;
        }
        Release(batchId, connection);
        return null;
    }

    /// <summary>True when a runner holds the batch now, in this process or another.</summary>
    public async Task<bool> IsRunningAsync(string batchId, CancellationToken ct)
    {
        await using var probe = await TryAcquireAsync(batchId, ct);
        return probe is null;
    }

    private void Release(string batchId, NpgsqlConnection? connection)
    {
        connection?.Dispose(); // closing the session releases its advisory locks
        lock (gate) running.Remove(batchId);
    }

    private static long Key(string batchId) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("portal-batch-runner:" + batchId)), 0);

    private sealed class Held(BatchRunLock owner, string batchId, NpgsqlConnection? connection) : IAsyncDisposable
    {
        private int released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) owner.Release(batchId, connection);
            return ValueTask.CompletedTask;
        }
    }
}
