using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Core.Data;
using Portal.Core.Identity;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

/// <summary>Without a configured password, the first start makes one, prints it once, and never again.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class GeneratedSupportPasswordTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task The_generated_password_is_printed_once_and_works()
    {
        var email = $"ops-{Guid.NewGuid():N}@portal.local";
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Support:Email"] = email }).Build();

        var first = await SeedCapturingConsole(config);
        var second = await SeedCapturingConsole(config);

        var line = Assert.Single(first.Split('\n'), l => l.Contains("Password (shown this once):"));
        var password = line.Split(':', 2)[1].Trim();
        Assert.True(password.Length >= 20);
        Assert.DoesNotContain("Password", second);

        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        Assert.True(await users.CheckPasswordAsync((await users.FindByEmailAsync(email))!, password));
    }

    private async Task<string> SeedCapturingConsole(IConfiguration config)
    {
        using var scope = factory.Services.CreateScope();
        var seeder = new SupportAccountSeeder(
            scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>(),
            scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>(),
            config, TimeProvider.System, NullLogger<SupportAccountSeeder>.Instance);
        var original = Console.Out;
        var captured = new StringWriter();
        Console.SetOut(captured);
        try { await seeder.SeedAsync(); }
        finally { Console.SetOut(original); }
        return captured.ToString();
    }
}

/// <summary>Tests that capture the console run one at a time.</summary>
[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;
