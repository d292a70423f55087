using Portal.Core.Email;

namespace Portal.Web.Components.Account;

/// <summary>
/// Sent when someone registers with an address that already has an account: the page answers exactly as for a new
/// address (so it does not tell who has an account), and the address's owner learns of it and how to get back in.
/// </summary>
public sealed class AlreadyRegisteredEmail(IEmailSender sender)
{
    /// <param name="signInLink">Already HTML-encoded, like the other account links.</param>
    /// <param name="resetLink">Already HTML-encoded.</param>
    public Task SendAsync(string email, string signInLink, string resetLink) =>
        sender.SendAsync(email, "Someone tried to create a Portal account with your address",
            "<p>Someone, perhaps you, tried to create a Portal account with this e-mail address, which already has one. " +
            "No new account was made.</p>" +
            $"<p><a href=\"{signInLink}\">Sign in</a> to your account, or <a href=\"{resetLink}\">choose a new password</a> if you have forgotten it.</p>" +
            "<p>If it was not you, ignore this message: nothing has changed.</p>");
}
