using Microsoft.Extensions.Logging;
using Portal.Core.Notifications;

namespace Portal.Tests.Notifications;

/// <summary>A page whose handler throws (a closed circuit) is logged, and every other open page still hears the change.</summary>
public sealed class PortalChangesTests
{
    [Fact]
    public void A_throwing_subscriber_is_logged_and_the_others_are_still_notified()
    {
        var log = new RecordingLogger();
        var changes = new PortalChanges(log);
        var change = new PortalChange(Guid.NewGuid(), PortalChange.Lease, Guid.NewGuid());
        var heard = new List<PortalChange>();
        changes.Changed += _ => throw new InvalidOperationException("circuit closed");
        changes.Changed += heard.Add;

        changes.Publish(change);

        Assert.Equal([change], heard);
        var entry = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Equal("circuit closed", entry.Exception?.Message);
    }

    private sealed class RecordingLogger : ILogger<PortalChanges>
    {
        public List<(LogLevel Level, Exception? Exception)> Entries { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, exception));
    }
}
