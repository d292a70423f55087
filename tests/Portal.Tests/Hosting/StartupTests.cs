using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

public sealed class StartupTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Healthz_reports_the_database_and_the_job_storage()
    {
        using var client = factory.CreatePortalClient();
        var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        var checks = json.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("jobs").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Starting_again_seeds_nothing_twice()
    {
        async Task<(int Users, int Roles, int UserRoles)> Count()
        {
            using var scope = factory.Services.CreateScope();
            await using var db = factory.CreateDbContext(scope);
            return (await db.Users.CountAsync(), await db.Roles.CountAsync(), await db.UserRoles.CountAsync());
        }

        var before = await Count();
        await DatabaseInitializer.InitializeAsync(factory.Services);
        await DatabaseInitializer.InitializeAsync(factory.Services);
        Assert.Equal(before, await Count());
    }

    [Fact]
    public async Task The_configured_support_account_exists_and_is_in_the_Support_role()
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var support = await users.FindByEmailAsync(PortalFactory.SupportEmail);
        Assert.NotNull(support);
        Assert.True(await users.IsInRoleAsync(support, "Support"));
        Assert.True(await users.CheckPasswordAsync(support, PortalFactory.SupportPassword));
    }

    [Fact]
    public async Task Unknown_pages_are_a_404_page_and_unknown_apis_a_problem()
    {
        using var client = factory.CreatePortalClient();
        var page = await client.GetAsync("/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Contains("Not found", await page.Content.ReadAsStringAsync());

        var api = await client.GetAsync("/api/v1/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }
}
