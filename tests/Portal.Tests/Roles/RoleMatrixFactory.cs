using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Roles;

/// <summary>
/// The lease test host with cheap password hashing: the matrix makes two users per case and signs many in, and
/// hashing is not what it tests (sign-in itself has its own tests with the real settings).
/// </summary>
public sealed class RoleMatrixFactory : LeaseFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1));
    }
}
