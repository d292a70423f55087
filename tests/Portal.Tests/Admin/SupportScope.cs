using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Admin;

/// <summary>A DI scope acting as the seeded support account from a known address, as a circuit would.</summary>
internal static class SupportScope
{
    public const string IpAddress = "203.0.113.7";
    public const string UserAgent = "AdminTests/1.0 (support desk)";

    public static async Task<AsyncServiceScope> CreateAsync(PortalFactory factory)
    {
        var scope = factory.Services.CreateAsyncScope();
        var support = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(PortalFactory.SupportEmail);
        var origin = scope.ServiceProvider.GetRequiredService<AuditOrigin>();
        origin.UserId = support!.Id;
        origin.UserName = support.Email;
        origin.IpAddress = IpAddress;
        origin.UserAgent = UserAgent;
        return scope;
    }

    public static T Get<T>(this AsyncServiceScope scope) where T : notnull => scope.ServiceProvider.GetRequiredService<T>();
}

internal static class SignIn
{
    /// <summary>Signs in through the real form and proves the session works: a page for signed-in users answers 200.</summary>
    public static async Task SucceedsAsync(PortalClient client, string email, string password = PortalFactory.Password)
    {
        var response = await client.SignInAsync(email, password);
        var location = response.Headers.Location?.OriginalString ?? "";
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Redirect && !location.Contains("Account/"),
            $"Sign-in of {email} failed: {response.StatusCode} {location}");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/organizations/new")).StatusCode);
    }
}
