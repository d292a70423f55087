using System.Collections.Concurrent;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Portal.Core.Identity;

/// <summary>
/// Failed sign-ins for addresses that have no account, counted in memory with Identity's own lockout rule (so many
/// failures lock for so long, then counting starts again), so that the sign-in page locks an unknown address out just
/// as it does a real account and lockout does not tell who has an account. Entries idle for a day are dropped, and
/// the table is emptied if it ever holds <see cref="MaxAddresses"/> addresses (a spray of made-up names).
/// </summary>
public sealed class UnknownAccountLockout(IOptions<IdentityOptions> options, TimeProvider time)
{
    public const int MaxAddresses = 100_000;
    private static readonly TimeSpan KeepIdle = TimeSpan.FromDays(1);
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.OrdinalIgnoreCase);

    private sealed class Entry
    {
        public int Failures;
        public DateTimeOffset? LockedUntil;
        public DateTimeOffset LastSeen;
    }

    public bool IsLockedOut(string address)
    {
        if (!entries.TryGetValue(address, out var entry)) return false;
        lock (entry) return entry.LockedUntil > time.GetUtcNow();
    }

    /// <summary>Counts one failure; true when it locks the address out (as Identity's AccessFailedAsync does).</summary>
    public bool CountFailure(string address)
    {
        var now = time.GetUtcNow();
        if (entries.Count >= MaxAddresses) Prune(now);
        var entry = entries.GetOrAdd(address, _ => new Entry());
        var lockout = options.Value.Lockout;
        lock (entry)
        {
            entry.LastSeen = now;
            if (++entry.Failures < lockout.MaxFailedAccessAttempts) return false;
            entry.Failures = 0;
            entry.LockedUntil = now + lockout.DefaultLockoutTimeSpan;
            return true;
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (address, entry) in entries)
            if (now - entry.LastSeen > KeepIdle) // a lockout (minutes) has long ended by then
                entries.TryRemove(address, out _);
        if (entries.Count >= MaxAddresses) entries.Clear();
    }
}
