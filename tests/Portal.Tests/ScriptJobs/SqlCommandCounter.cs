using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Tests.ScriptJobs;

/// <summary>
/// Counts the SQL commands EF Core runs, and the transactions it commits, on one database (its connection string),
/// through EF's DiagnosticListener: the portal is not changed, and other test classes running at the same time on their own
/// databases are not counted.
/// </summary>
public sealed class SqlCommandCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly string connectionString;
    private readonly List<IDisposable> subscriptions = [];
    private int count;
    private int commits;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> texts = new();

    public SqlCommandCounter(string connectionString)
    {
        this.connectionString = connectionString;
        subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
    }

    public int Count => Volatile.Read(ref count);

    /// <summary>The commands' texts, in order, for a failure message.</summary>
    public IReadOnlyCollection<string> Texts => texts;

    /// <summary>Transactions committed on the database (each SaveChanges outside an explicit transaction is one).</summary>
    public int Commits => Volatile.Read(ref commits);

    public void OnNext(DiagnosticListener listener)
    {
        if (listener.Name == DbLoggerCategory.Name) lock (subscriptions) subscriptions.Add(listener.Subscribe(this));
    }

    public void OnNext(KeyValuePair<string, object?> e)
    {
        if (e.Value is CommandExecutedEventData { Context: { } context } c && context.Database.GetConnectionString() == connectionString)
        {
            Interlocked.Increment(ref count);
            texts.Enqueue(c.Command.CommandText);
        }
        else if (e.Key == RelationalEventId.TransactionCommitted.Name && e.Value is TransactionEndEventData { Context: { } committed }
                 && committed.Database.GetConnectionString() == connectionString)
            Interlocked.Increment(ref commits);
    }

    public void OnError(Exception error) { }
    public void OnCompleted() { }

    public void Dispose()
    {
        lock (subscriptions) foreach (var s in subscriptions) s.Dispose();
    }
}
