using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Core.Data;

/// <summary>
/// Per-connection SQLite settings (SQLite keeps them per connection, not in the file), set once per native connection:
/// a pooled connection that is opened again keeps them.
/// <list type="bullet">
/// <item><c>synchronous = NORMAL</c> (<c>Database:SqliteSynchronous</c>): in WAL mode a commit then writes the log without
/// waiting for the disk (fsync at checkpoints only). The database stays consistent, and a killed portal loses nothing; a
/// power cut may lose the last commits. FULL waited for the disk at every commit: 4.5 ms each on this machine, several per
/// script job, on the queue's critical path (issue 14's benchmark).</item>
/// <item><c>busy_timeout</c>: a writer that finds the write lock taken waits in SQLite's own fine-grained backoff instead of
/// Microsoft.Data.Sqlite's 150 ms sleeps (the gate of <see cref="PortalLocks"/> did this for its own transactions only).</item>
/// </list>
/// </summary>
public sealed class SqliteConnectionPragmas(string synchronous) : DbConnectionInterceptor
{
    /// <summary>As Microsoft.Data.Sqlite's default command timeout and the gate's wait.</summary>
    public const int BusyTimeoutMilliseconds = 30_000;

    private static readonly string[] Allowed = ["OFF", "NORMAL", "FULL", "EXTRA"];

    // The native connections already set up (a pooled SqliteConnection keeps its handle across Close and Open).
    private readonly ConditionalWeakTable<object, object> done = new();

    private readonly string sql = Allowed.Contains(synchronous.ToUpperInvariant())
        ? $"PRAGMA synchronous = {synchronous.ToUpperInvariant()}; PRAGMA busy_timeout = {BusyTimeoutMilliseconds};"
        : throw new InvalidOperationException($"Database:SqliteSynchronous is {synchronous}: use one of {string.Join(", ", Allowed)}.");

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (NeedsSetUp(connection)) Run(connection);
    }

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
    {
        // The pragmas touch no page: nothing to wait for, so the synchronous call does not block.
        if (NeedsSetUp(connection)) Run(connection);
        return Task.CompletedTask;
    }

    private bool NeedsSetUp(DbConnection connection) =>
        connection is SqliteConnection { Handle: { } handle } && !done.TryGetValue(handle, out _);

    private void Run(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
        done.AddOrUpdate(((SqliteConnection)connection).Handle!, this);
    }
}
