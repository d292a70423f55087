using System.Net;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Email;

namespace Portal.Web.Email;

/// <summary>
/// Whether the outbox pages exist for this request (they are for Support only, by policy, on top of this). The outbox
/// holds password-reset and confirmation links, so it is off unless asked for: <c>Email:ShowOutbox=true</c> opens it
/// from anywhere, <c>false</c> closes it; unset, it is open only in Development and only to requests from loopback
/// (a developer's own browser), never to a Development portal reached over the network.
/// </summary>
public sealed class OutboxAccess(IOptions<EmailOptions> options, IWebHostEnvironment environment, AuditOrigin origin)
{
    public bool IsOpen
    {
        get
        {
            var email = options.Value;
            if (!email.UsesOutbox) return false;
            // The client's address: the HTTP request's, or in an interactive circuit the one that opened it (App.razor).
            return email.ShowOutbox ?? (environment.IsDevelopment() && IsLoopback(origin.IpAddress));
        }
    }

    private static bool IsLoopback(string? address) =>
        IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
}
