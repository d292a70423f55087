using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Tests.Identity;

/// <summary>The portal with its password hasher counting verifications: the work a sign-in spends, seen from outside.</summary>
public sealed class PasswordCheckCountingFactory : RemoteAddressFactory
{
    private int verifications;

    public int Verifications => Volatile.Read(ref verifications);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
            services.AddScoped<IPasswordHasher<ApplicationUser>>(sp => new CountingHasher(this, sp.GetRequiredService<IOptions<PasswordHasherOptions>>())));
    }

    private sealed class CountingHasher(PasswordCheckCountingFactory factory, IOptions<PasswordHasherOptions> options)
        : PasswordHasher<ApplicationUser>(options)
    {
        public override PasswordVerificationResult VerifyHashedPassword(ApplicationUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref factory.verifications);
            return base.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
