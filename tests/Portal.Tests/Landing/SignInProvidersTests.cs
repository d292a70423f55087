using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Landing;

/// <summary>
/// The sign-in and sign-up pages offer only real external providers: the internal "cookie or API key" selector scheme
/// was listed as one (clicking it looped back to the sign-in page). None is configured, so the section is gone.
/// </summary>
public sealed class SignInProvidersTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task No_internal_scheme_is_offered_as_an_external_provider()
    {
        using var scope = factory.Services.CreateScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<ApplicationUser>>();
        Assert.Empty(await signIn.GetExternalAuthenticationSchemesAsync());
    }

    [Theory]
    [InlineData("/Account/Login", "or sign in with")]
    [InlineData("/Account/Register", "or sign up with")]
    public async Task The_account_pages_show_no_external_sign_in_section_when_none_is_configured(string path, string heading)
    {
        using var client = factory.CreatePortalClient();
        var html = await client.GetPageAsync(path);
        Assert.DoesNotContain(heading, html);
        Assert.DoesNotContain("Cookie or API key", html);
        Assert.DoesNotContain("Account/PerformExternalLogin", html);
    }
}
