using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Core.Identity;

/// <summary>
/// Identity's user manager, stamping <see cref="ApplicationUser.CreatedAt"/> on every new account. Registration, an
/// external sign-in and the seeded Support account all create users through <see cref="CreateAsync(ApplicationUser)"/>;
/// the template's pages never set the date, so self-registered users showed "Created 1 Jan 0001".
/// </summary>
public sealed class PortalUserManager : UserManager<ApplicationUser>
{
    private readonly TimeProvider time;

    public PortalUserManager(IUserStore<ApplicationUser> store, IOptions<IdentityOptions> optionsAccessor,
        IPasswordHasher<ApplicationUser> passwordHasher, IEnumerable<IUserValidator<ApplicationUser>> userValidators,
        IEnumerable<IPasswordValidator<ApplicationUser>> passwordValidators, ILookupNormalizer keyNormalizer, IdentityErrorDescriber errors,
        IServiceProvider services, ILogger<UserManager<ApplicationUser>> logger)
        : base(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
    {
        time = services.GetService<TimeProvider>() ?? TimeProvider.System;
    }

    public override Task<IdentityResult> CreateAsync(ApplicationUser user)
    {
        if (user.CreatedAt == default) user.CreatedAt = time.GetUtcNow().UtcDateTime;
        return base.CreateAsync(user);
    }
}
