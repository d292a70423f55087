using Microsoft.AspNetCore.Identity;
using Portal.Core.Data;

namespace Portal.Core.Identity;

/// <summary>
/// OWASP ASVS 5 level 2: at least 12 characters, up to 128 allowed, no composition rules.
/// Identity checks the minimum; this adds the maximum, which Identity lacks.
/// </summary>
public sealed class PasswordLengthValidator : IPasswordValidator<ApplicationUser>
{
    public const int MinLength = 12;
    public const int MaxLength = 128;

    public Task<IdentityResult> ValidateAsync(UserManager<ApplicationUser> manager, ApplicationUser user, string? password) =>
        Task.FromResult(password is { Length: > MaxLength }
            ? IdentityResult.Failed(new IdentityError { Code = "PasswordTooLong", Description = $"Passwords must be at most {MaxLength} characters." })
            : IdentityResult.Success);
}
