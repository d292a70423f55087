using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Data;

/// <summary>Stored times come back as UTC on every provider (SQLite keeps no kind), so no caller fixes Kind by hand.</summary>
public sealed class UtcDateTimeTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task A_stored_time_reads_back_from_a_fresh_context_as_the_same_UTC_instant()
    {
        var owner = await factory.CreateUserAsync();
        var tenant = await factory.CreateOrganizationAsync(owner);

        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var read = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == tenant.Id);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == owner.Id);

        Assert.Equal(DateTimeKind.Utc, read.CreatedAt.Kind);
        Assert.Equal(tenant.CreatedAt.ToUniversalTime().Ticks / 10, read.CreatedAt.Ticks / 10); // PostgreSQL keeps microseconds
        Assert.Equal(DateTimeKind.Utc, user.CreatedAt.Kind);
    }
}
