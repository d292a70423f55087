using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Benchmarks;

/// <summary>
/// <c>--profile-sql</c>: every command EF Core runs in this process (through its DiagnosticListener, so the portal is not
/// changed), grouped by statement shape: how many, their summed and longest duration (a SQLite command that waited for the
/// write lock shows its wait here: Microsoft.Data.Sqlite retries a busy statement inside the command), and commits.
/// </summary>
internal sealed partial class SqlCommandProfile : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private sealed class Figures
    {
        public int Count;
        public double TotalMs;
        public double MaxMs;
    }

    private readonly ConcurrentDictionary<string, Figures> byShape = new();
    private readonly List<IDisposable> subscriptions = [];
    private int commits;
    private int commands;
    private double commitMs;
    private volatile bool on;
    private bool shapes = true;

    /// <summary>Commands run since the last <see cref="Reset"/>.</summary>
    public int Commands => commands;

    /// <summary>Commits since the last <see cref="Reset"/>.</summary>
    public int Commits => commits;

    /// <summary>Starts listening; with <paramref name="byShape"/> false it only counts commands and commits (cheap).</summary>
    public static SqlCommandProfile Start(bool byShape = true)
    {
        var profile = new SqlCommandProfile { shapes = byShape };
        profile.subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(profile));
        return profile;
    }

    /// <summary>Counts from now (the queue part only), forgetting what came before.</summary>
    public void Reset()
    {
        byShape.Clear();
        (commits, commands, commitMs, on) = (0, 0, 0, true);
    }

    /// <summary>Stops counting (the figures stay readable).</summary>
    public void Stop() => on = false;

    public void Print(TextWriter w, int jobs, int top = 30, string unit = "job")
    {
        on = false;
        var all = byShape.ToArray();
        w.WriteLine($"  SQL profile: {all.Sum(kv => kv.Value.Count):N0} commands ({all.Sum(kv => kv.Value.Count) / (double)jobs:N1} per {unit}), " +
            $"{all.Sum(kv => kv.Value.TotalMs):N0} ms in commands ({all.Sum(kv => kv.Value.TotalMs) / jobs:N1} ms per {unit}), " +
            $"{commits:N0} commits ({commits / (double)jobs:N1} per {unit}, {commitMs:N0} ms)");
        w.WriteLine($"  {"count",7} {"per " + unit,7} {"total ms",9} {"max ms",7}  statement");
        foreach (var (shape, f) in all.OrderByDescending(kv => kv.Value.TotalMs).Take(top))
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {f.Count,7} {f.Count / (double)jobs,7:N2} {f.TotalMs,9:N0} {f.MaxMs,7:N0}  {shape}"));
    }

    public void OnNext(DiagnosticListener listener)
    {
        if (listener.Name != DbLoggerCategory.Name) return;
        // Counting only: EF then builds event data for these two events alone, so the count costs the portal next to nothing.
        var subscription = shapes ? listener.Subscribe(this)
            : listener.Subscribe(this, name => name == RelationalEventId.CommandExecuted.Name || name == RelationalEventId.TransactionCommitted.Name);
        lock (subscriptions) subscriptions.Add(subscription);
    }

    public void OnNext(KeyValuePair<string, object?> e)
    {
        if (!on) return;
        switch (e.Value)
        {
            case CommandExecutedEventData when !shapes:
                Interlocked.Increment(ref commands);
                break;
            case CommandExecutedEventData c:
                Interlocked.Increment(ref commands);
                Add(Shape(c.Command.CommandText), c.Duration.TotalMilliseconds);
                break;
            case CommandErrorEventData c:
                Add("ERROR " + Shape(c.Command.CommandText), c.Duration.TotalMilliseconds);
                break;
            case TransactionEndEventData t when e.Key == RelationalEventId.TransactionCommitted.Name:
                Interlocked.Increment(ref commits);
                lock (byShape) commitMs += t.Duration.TotalMilliseconds;
                break;
        }
    }

    private void Add(string shape, double ms)
    {
        var f = byShape.GetOrAdd(shape, _ => new Figures());
        lock (f)
        {
            f.Count++;
            f.TotalMs += ms;
            f.MaxMs = Math.Max(f.MaxMs, ms);
        }
    }

    // The statement without parameter names, literals or whitespace runs, cut to a line.
    private static string Shape(string sql)
    {
        var s = Spaces().Replace(Parameters().Replace(sql, "@p"), " ").Trim();
        s = Columns().Replace(s, "SELECT … FROM ", 1);
        return s.Length > 170 ? s[..170] : s;
    }

    [GeneratedRegex(@"@\w+")]
    private static partial Regex Parameters();

    [GeneratedRegex(@"^SELECT .*? FROM ")]
    private static partial Regex Columns();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    public void OnError(Exception error) { }
    public void OnCompleted() { }

    public void Dispose()
    {
        lock (subscriptions) foreach (var s in subscriptions) s.Dispose();
    }
}
