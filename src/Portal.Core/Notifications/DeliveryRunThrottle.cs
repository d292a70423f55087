namespace Portal.Core.Notifications;

/// <summary>
/// At most one e-mail delivery run enqueued per second by this portal. A singleton, so that it spans every
/// request and job of one portal (and not of every portal in the process, as a static would).
/// </summary>
public sealed class DeliveryRunThrottle
{
    private long lastEnqueue = long.MinValue / 2;

    /// <summary>True for the first caller in a second, who then enqueues the run; false for the others.</summary>
    public bool TryTake()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref lastEnqueue);
        return now - last >= 1000 && Interlocked.CompareExchange(ref lastEnqueue, now, last) == last;
    }
}
