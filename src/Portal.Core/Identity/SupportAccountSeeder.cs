using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Identity;

/// <summary>
/// Makes sure the Support role and one support account exist. The account comes from configuration
/// (Support:Email and Support:Password) or, failing that, is created once as support@portal.local with
/// a random password printed to the console that one time only.
/// </summary>
public sealed class SupportAccountSeeder(UserManager<ApplicationUser> users, RoleManager<IdentityRole> roles,
    IConfiguration config, TimeProvider time, ILogger<SupportAccountSeeder> logger)
{
    public const string DefaultEmail = "support@portal.local";

    public async Task SeedAsync()
    {
        if (!await roles.RoleExistsAsync(TenantResolver.SupportRole))
            Check(await roles.CreateAsync(new IdentityRole(TenantResolver.SupportRole)));

        var email = config["Support:Email"] ?? DefaultEmail;
        var configuredPassword = config["Support:Password"];
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            var password = configuredPassword ?? GeneratePassword();
            user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = time.GetUtcNow().UtcDateTime };
            Check(await users.CreateAsync(user, password));
            if (configuredPassword is null)
            {
                // Printed once, on the console only: it is never stored in clear anywhere.
                Console.WriteLine();
                Console.WriteLine("==================================================================");
                Console.WriteLine($" Support account created: {email}");
                Console.WriteLine($" Password (shown this once): {password}");
                Console.WriteLine("==================================================================");
                Console.WriteLine();
            }
            logger.LogInformation("Created support account {Email}", email);
        }
        if (!await users.IsInRoleAsync(user, TenantResolver.SupportRole))
            Check(await users.AddToRoleAsync(user, TenantResolver.SupportRole));
    }

    private static string GeneratePassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
            throw new InvalidOperationException("Seeding the support account failed: " + string.Join("; ", result.Errors.Select(e => e.Description)));
    }
}
