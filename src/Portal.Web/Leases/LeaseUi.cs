using System.Globalization;
using MudBlazor;
using Portal.Core.Leases;
using Portal.Core.Catalog;

namespace Portal.Web.Leases;

/// <summary>How the lease pages show states, times and windows; every time is UTC and says so.</summary>
public static class LeaseUi
{
    /// <summary>A held quote whose hold ran out is Expired to the tenant, even before the sweep job marks it.</summary>
    public static LeaseState ShownState(Lease lease, DateTime now) =>
        lease.State == LeaseState.Held && lease.HoldExpiresAt is { } expires && expires <= now ? LeaseState.Expired : lease.State;

    /// <summary>The label of a lease's shown state: a quote that was never signed and was cancelled was discarded.</summary>
    public static string Label(Lease lease, DateTime now) =>
        lease.State == LeaseState.Cancelled && !lease.IsSigned ? "Discarded" : Label(ShownState(lease, now));

    public static string Label(LeaseState state) => state switch
    {
        LeaseState.Held => "Quote held",
        LeaseState.PendingApproval => "Pending approval",
        _ => state.ToString(),
    };

    public static Color StateColor(LeaseState state) => state switch
    {
        LeaseState.Held => Color.Info,
        LeaseState.PendingApproval => Color.Warning,
        LeaseState.Scheduled => Color.Primary,
        LeaseState.Provisioning => Color.Secondary,
        LeaseState.Active => Color.Success,
        LeaseState.Ending => Color.Secondary,
        LeaseState.Rejected or LeaseState.Failed => Color.Error,
        _ => Color.Default,
    };

    /// <summary>"2027-03-01 09:00 UTC".</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>"2027-03-01 09:00 – 2027-03-03 09:00 UTC".</summary>
    public static string Window(DateTime start, DateTime end) =>
        $"{start.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} – {end.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC";

    /// <summary>
    /// A request's window as the form shows it at <paramref name="now"/>: a "now" request starts when it is ready, so its times
    /// are "about" (the next whole minute on); a later one has its exact hours.
    /// </summary>
    public static string RequestWindow(LeaseRequest r, DateTime now)
    {
        if (!StartOnActivation.IsNow(r.Start, now)) return Window(r.Start, r.End);
        var start = StartOnActivation.CeilMinute(now);
        return $"from when it is ready (about {start.ToString("HH:mm", CultureInfo.InvariantCulture)}) to about {Time(start.AddHours(r.Hours))}";
    }

    /// <summary>A lease's start: a "now" lease not active yet starts when its GPUs are ready.</summary>
    public static string Start(Lease l) => StartOnActivation.Pending(l) ? "when the GPUs are ready (billed from that minute)" : Time(l.Start);

    /// <summary>A lease's end: a "now" lease not active yet ends its hours after it starts, within its reservation.</summary>
    public static string End(Lease l) => StartOnActivation.Pending(l)
        ? $"{Duration(l.Hours)} after the start (by {Time(StartOnActivation.ReservedEnd(l))} at the latest)"
        : Time(l.End);

    /// <summary>"36 hours", "3 days", "3 days 4 hours".</summary>
    public static string Duration(int hours)
    {
        if (hours < 24) return Plural(hours, "hour");
        var days = hours / 24;
        var rest = hours % 24;
        return rest == 0 ? Plural(days, "day") : $"{Plural(days, "day")} {Plural(rest, "hour")}";
    }

    /// <summary>"4 min 12 s" until a hold runs out.</summary>
    public static string Countdown(TimeSpan left) =>
        left <= TimeSpan.Zero ? "0 s" : left.TotalMinutes >= 1 ? $"{(int)left.TotalMinutes} min {left.Seconds:00} s" : $"{left.Seconds} s";

    /// <summary>"just now", "5 min ago", "3 h ago", "2 days ago", then the date.</summary>
    public static string Ago(DateTime utc, DateTime now)
    {
        var d = now - utc;
        if (d < TimeSpan.FromMinutes(1)) return "just now";
        if (d < TimeSpan.FromHours(1)) return $"{(int)d.TotalMinutes} min ago";
        if (d < TimeSpan.FromDays(1)) return $"{(int)d.TotalHours} h ago";
        if (d < TimeSpan.FromDays(7)) return Plural((int)d.TotalDays, "day") + " ago";
        return utc.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
    }

    public static string Gpus(int gpus) => Counted.Gpus(gpus);

    private static string Plural(int n, string unit) => Counted.Of(n, unit);
}
