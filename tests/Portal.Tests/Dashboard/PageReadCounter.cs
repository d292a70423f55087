using System.Data.Common;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Dashboard;

/// <summary>
/// What the database work of a request adds up to: connections opened and rows read, counted by an interceptor on every
/// context of one portal (this fixture's own, so other test classes running beside it do not count).
/// </summary>
public sealed class PageReadCounter : DbConnectionInterceptor, IDbCommandInterceptor
{
    private int opened, rows;

    public int Opened => opened;
    public int Rows => rows;

    public void Reset() => (opened, rows) = (0, 0);

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Interlocked.Increment(ref opened);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
    {
        Interlocked.Increment(ref opened);
        return Task.CompletedTask;
    }

    public InterceptionResult DataReaderClosing(DbCommand command, DataReaderClosingEventData eventData, InterceptionResult result)
    {
        Interlocked.Add(ref rows, eventData.ReadCount);
        return result;
    }

    public ValueTask<InterceptionResult> DataReaderClosingAsync(DbCommand command, DataReaderClosingEventData eventData, InterceptionResult result)
    {
        Interlocked.Add(ref rows, eventData.ReadCount);
        return ValueTask.FromResult(result);
    }
}

/// <summary>The lease fixture (its clock in March 2027) with a <see cref="PageReadCounter"/> on every context.</summary>
public sealed class ReadCountingFactory : LeaseFactory
{
    public PageReadCounter Reads { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.ConfigureDbContext<PortalDbContext>(o => o.AddInterceptors(Reads)));
    }
}
