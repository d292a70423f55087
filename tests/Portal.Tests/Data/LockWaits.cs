using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Data;

/// <summary>Tells when a transaction that was begun second is waiting for the first's lock, on either database.</summary>
internal static class LockWaits
{
    /// <summary>
    /// Returns once <paramref name="begin"/> waits for a lock another transaction holds, or has already finished (then the
    /// caller's check that it is still waiting fails). On SQLite a begin that waits has queued at the portal's gate before
    /// the call returned (the gate is taken synchronously when free), so there is nothing to wait for; on PostgreSQL the
    /// server says when a session of the test's database waits for a lock.
    /// </summary>
    public static async Task UntilWaitingAsync(PortalFactory factory, Task begin)
    {
        if (!factory.OnPostgres) return;
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        for (var attempt = 0; attempt < 1500 && !begin.IsCompleted; attempt++)
        {
            var waiting = await db.Database.SqlQuery<int>(
                $"SELECT count(*)::int AS \"Value\" FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").SingleAsync();
            if (waiting > 0) return;
            await Task.Delay(20);
        }
        if (!begin.IsCompleted) throw new InvalidOperationException("The second transaction neither waited for a lock nor began.");
    }
}
