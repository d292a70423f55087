using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Data;

/// <summary>
/// A lock is given back however its transaction ends (commit, rollback, dispose) and when beginning fails, on the
/// database the suite runs on: otherwise every later writer of the pool or organisation would wait for ever.
/// </summary>
public sealed class PortalLocksReleaseTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    // Far longer than any free lock takes; far shorter than the 30 s a writer waits before giving up.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public enum Lock { Pool, Team }
    public enum End { Commit, Rollback, Dispose }

    [Theory]
    [InlineData(Lock.Pool, End.Commit)]
    [InlineData(Lock.Pool, End.Rollback)]
    [InlineData(Lock.Pool, End.Dispose)]
    [InlineData(Lock.Team, End.Commit)]
    [InlineData(Lock.Team, End.Rollback)]
    [InlineData(Lock.Team, End.Dispose)]
    public async Task The_lock_is_given_back_when_the_transaction_ends(Lock kind, End end)
    {
        var begin = await NewLockAsync(kind);
        using var scope = factory.Services.CreateScope();
        await using var first = factory.CreateDbContext(scope);
        await using var tx = await begin(first, CancellationToken.None);
        switch (end)
        {
            case End.Commit: await tx.CommitAsync(); break;
            case End.Rollback: await tx.RollbackAsync(); break;
            case End.Dispose: await tx.DisposeAsync(); break;
        }

        await AssertFreeAsync(begin); // the ended transaction and its context are still open: only the end gave the lock back
    }

    [Theory]
    [InlineData(Lock.Pool)]
    [InlineData(Lock.Team)]
    public async Task A_begin_that_fails_after_taking_its_turn_gives_it_back(Lock kind)
    {
        var begin = await NewLockAsync(kind);
        using var scope = factory.Services.CreateScope();
        await using (var busy = factory.CreateDbContext(scope))
        await using (await busy.Database.BeginTransactionAsync())
        {
            // A context already in a transaction cannot begin another: the begin fails (on SQLite after the gate is taken).
            await Assert.ThrowsAsync<InvalidOperationException>(() => begin(busy, CancellationToken.None));
        }

        await AssertFreeAsync(begin);
    }

    [Theory]
    [InlineData(Lock.Pool)]
    [InlineData(Lock.Team)]
    public async Task A_begin_cancelled_while_waiting_leaves_no_transaction_and_takes_no_turn(Lock kind)
    {
        var begin = await NewLockAsync(kind);
        using var scope = factory.Services.CreateScope();
        await using var holder = factory.CreateDbContext(scope);
        await using var waiter = factory.CreateDbContext(scope);
        var holding = await begin(holder, CancellationToken.None);

        using var cancel = new CancellationTokenSource();
        var waiting = begin(waiter, cancel.Token);
        await LockWaits.UntilWaitingAsync(factory, waiting);
        Assert.False(waiting.IsCompleted, "the second transaction began while the first still held the lock");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Null(waiter.Database.CurrentTransaction);

        await holding.CommitAsync();
        await holding.DisposeAsync();
        await AssertFreeAsync(begin);
    }

    /// <summary>How to take the lock of a new pool or organisation.</summary>
    private async Task<Func<PortalDbContext, CancellationToken, Task<IDbContextTransaction>>> NewLockAsync(Lock kind)
    {
        if (kind == Lock.Pool)
        {
            var region = "release-region-" + Guid.NewGuid().ToString("N")[..8];
            return (db, ct) => db.Locks.BeginPoolAsync(db, region, "release-sku", ct);
        }
        var tenantId = (await factory.CreateOrganizationAsync(await factory.CreateUserAsync())).Id;
        return (db, ct) => db.Locks.BeginTeamAsync(db, tenantId, ct);
    }

    /// <summary>Another context takes the same lock at once (a lock still held would make it wait, then give up).</summary>
    private async Task AssertFreeAsync(Func<PortalDbContext, CancellationToken, Task<IDbContextTransaction>> begin)
    {
        using var scope = factory.Services.CreateScope();
        await using var next = factory.CreateDbContext(scope);
        using var patience = new CancellationTokenSource(Patience);
        await using var tx = await begin(next, patience.Token);
        await tx.CommitAsync();
    }
}
