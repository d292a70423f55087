using System.Net;
using Microsoft.AspNetCore.Identity;
using Portal.Core.Data;
using Portal.Core.Email;

namespace Portal.Web.Components.Account;

/// <summary>Identity's account e-mails, written in Portal's voice and sent through the one <see cref="IEmailSender"/>.</summary>
/// <remarks>The account pages pass links already HTML-encoded; encoding them again would break them.</remarks>
internal sealed class IdentityEmailSender(IEmailSender sender) : IEmailSender<ApplicationUser>
{
    public Task SendConfirmationLinkAsync(ApplicationUser user, string email, string confirmationLink) =>
        sender.SendAsync(email, "Confirm your Portal account",
            $"<p>Welcome to Portal.</p><p><a href=\"{confirmationLink}\">Confirm your e-mail address</a> to finish creating your account.</p>" +
            "<p>If you did not sign up, ignore this message.</p>");

    public Task SendPasswordResetLinkAsync(ApplicationUser user, string email, string resetLink) =>
        sender.SendAsync(email, "Reset your Portal password",
            $"<p><a href=\"{resetLink}\">Choose a new password</a>.</p><p>If you did not ask for this, ignore this message: your password stays as it is.</p>");

    public Task SendPasswordResetCodeAsync(ApplicationUser user, string email, string resetCode) =>
        sender.SendAsync(email, "Reset your Portal password",
            $"<p>Your password reset code is <strong>{WebUtility.HtmlEncode(resetCode)}</strong>.</p>");
}
