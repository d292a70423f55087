namespace Portal.Core.Email;

/// <summary>The one way the portal sends e-mail: to the outbox by default, over SMTP when configured.</summary>
public interface IEmailSender
{
    Task SendAsync(string to, string subject, string htmlBody, CancellationToken ct = default);
}

public sealed class EmailOptions
{
    public const string Section = "Email";
    /// <summary><c>Outbox</c> (default: messages are stored and readable at /dev/outbox) or <c>Smtp</c>.</summary>
    public string Mode { get; set; } = "Outbox";
    public string From { get; set; } = "Portal <no-reply@portal.local>";
    public string? SmtpHost { get; set; }
    public int SmtpPort { get; set; } = 587;
    public bool SmtpStartTls { get; set; } = true;
    public string? SmtpUser { get; set; }
    public string? SmtpPassword { get; set; }
    /// <summary>How long outbox messages are kept before the purge job deletes them.</summary>
    public int OutboxRetentionDays { get; set; } = 7;
    /// <summary>
    /// Who may open the outbox pages (always Support only): <c>true</c> from anywhere, <c>false</c> never; unset, only
    /// in Development and only for requests from loopback. The outbox holds password-reset links, so it is never public.
    /// </summary>
    public bool? ShowOutbox { get; set; }

    public bool UsesOutbox => !string.Equals(Mode, "Smtp", StringComparison.OrdinalIgnoreCase);
}
