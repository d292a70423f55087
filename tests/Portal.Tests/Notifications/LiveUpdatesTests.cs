using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor.Services;
using Portal.Core.Notifications;
using Portal.Web.Leases;

namespace Portal.Tests.Notifications;

/// <summary>
/// A live refresh runs fire-and-forget; when it fails, the failure is logged and the page says it stopped updating,
/// instead of the exception vanishing and the page silently going stale.
/// </summary>
public sealed class LiveUpdatesTests : IAsyncLifetime
{
    private readonly BunitContext ctx = new();
    private readonly PortalChanges changes = new(NullLogger<PortalChanges>.Instance);
    private readonly RecordingLogger logger = new();

    public Task InitializeAsync()
    {
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        ctx.Services.AddSingleton(changes);
        ctx.Services.AddSingleton<ILogger<LiveUpdates>>(logger);
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await ctx.DisposeAsync();

    [Fact]
    public void A_refresh_that_throws_is_logged_shown_to_the_user_and_stops_the_live_updates()
    {
        var tenantId = Guid.NewGuid();
        var refreshes = 0;
        var live = ctx.Render<LiveUpdates>(p => p
            .Add(x => x.TenantId, tenantId)
            .Add(x => x.PollSeconds, 0)
            .Add(x => x.OnChanged, () =>
            {
                refreshes++;
                return Task.FromException(new InvalidOperationException("the database is unreachable"));
            }));
        Assert.Empty(live.FindAll("[data-testid=live-updates-paused]"));

        changes.Publish(new PortalChange(tenantId, PortalChange.Lease, Guid.NewGuid()));

        var alert = live.WaitForElement("[data-testid=live-updates-paused]");
        Assert.Contains("Live updates paused", alert.TextContent);
        Assert.Contains("Reload to try again", alert.TextContent);
        var logged = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Equal("the database is unreachable", logged.Exception?.Message);

        // Paused means paused: a later change does not run the failing refresh again.
        changes.Publish(new PortalChange(tenantId, PortalChange.Lease, Guid.NewGuid()));
        Assert.Equal(1, refreshes);
    }

    [Fact]
    public void A_refresh_that_succeeds_shows_nothing()
    {
        var tenantId = Guid.NewGuid();
        var refreshes = 0;
        var live = ctx.Render<LiveUpdates>(p => p
            .Add(x => x.TenantId, tenantId)
            .Add(x => x.PollSeconds, 0)
            .Add(x => x.OnChanged, () => { refreshes++; return Task.CompletedTask; }));

        changes.Publish(new PortalChange(tenantId, PortalChange.Lease, Guid.NewGuid()));

        live.WaitForAssertion(() => Assert.Equal(1, refreshes));
        Assert.Empty(live.FindAll("[data-testid=live-updates-paused]"));
        Assert.Empty(logger.Entries);
    }

    private sealed class RecordingLogger : ILogger<LiveUpdates>
    {
        public List<(LogLevel Level, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, exception));
    }
}
