using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Data;

/// <summary>
/// The locks belong to one portal (a DI singleton), not to the process: two portals in one process (two test hosts, a
/// worker beside the web app) never wait on each other's locks, while the contexts of one portal share theirs.
/// </summary>
public sealed class PortalLocksIsolationTests
{
    [Fact]
    public async Task Two_portals_in_one_process_do_not_share_a_lock()
    {
        // Two whole portals, each on its own fresh database (SQLite files, or two PostgreSQL databases).
        var portalA = new PortalFactory();
        var portalB = new PortalFactory();
        try
        {
            await portalA.InitializeAsync();
            await portalB.InitializeAsync();
            await EachTakesItsOwnLockAsync(portalA, portalB);
        }
        finally
        {
            await ((IAsyncLifetime)portalA).DisposeAsync(); // drops its database too
            await ((IAsyncLifetime)portalB).DisposeAsync();
        }
    }

    private static async Task EachTakesItsOwnLockAsync(PortalFactory portalA, PortalFactory portalB)
    {
        using var scopeA = portalA.Services.CreateScope();
        using var scopeB = portalB.Services.CreateScope();
        await using var holderA = portalA.CreateDbContext(scopeA);
        await using var otherA = portalA.CreateDbContext(scopeA);
        await using var contextB = portalB.CreateDbContext(scopeB);
        Assert.NotSame(holderA.Locks, contextB.Locks);

        var holding = await holderA.Locks.BeginPoolAsync(holderA, "us-east-2", "b200-180gb");
        // The same portal's next writer of that pool waits for it...
        var waitingA = otherA.Locks.BeginPoolAsync(otherA, "us-east-2", "b200-180gb");
        await LockWaits.UntilWaitingAsync(portalA, waitingA);
        Assert.False(waitingA.IsCompleted, "the same portal's second transaction began while the first held the lock");
        // ...the other portal's does not (on SQLite a shared gate would hold it back until it gave up).
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using (var txB = await contextB.Locks.BeginPoolAsync(contextB, "us-east-2", "b200-180gb", patience.Token))
            await txB.CommitAsync();

        await holding.DisposeAsync();
        await using var txA = await waitingA;
    }

    [Fact]
    public void No_database_gate_of_Portal_Core_is_kept_in_static_state()
    {
        // A writers' gate (a semaphore, or a table of them) in a static field is shared by every portal in the process,
        // whatever its database. (A static Lock around a process-wide library setting, as PdfFonts has, is not a gate.)
        var staticLocks = typeof(PortalLocks).Assembly.GetTypes()
            .Where(t => !t.IsDefined(typeof(CompilerGeneratedAttribute)))
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(f => HoldsLocks(f.FieldType))
            .Select(f => $"{f.DeclaringType!.FullName}.{f.Name}")
            .ToList();
        Assert.Empty(staticLocks);
    }

    private static bool HoldsLocks(Type type) =>
        typeof(SemaphoreSlim).IsAssignableFrom(type)
        || type.IsArray && HoldsLocks(type.GetElementType()!)
        || type.IsGenericType && type.GetGenericArguments().Any(HoldsLocks);
}
