using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Portal.Web.Hosting;

/// <summary>
/// Behind a TLS-terminating proxy the portal sees http and the proxy's address. <c>Hosting:TrustedProxies</c> lists
/// the proxies (addresses or CIDR networks, separated by commas) whose <c>X-Forwarded-Proto</c> and
/// <c>X-Forwarded-For</c> are believed: then cookies are Secure and the rate limits see the client's address.
/// Unset, both headers are ignored (anyone could send them).
/// </summary>
public static class TrustedProxies
{
    public const string Setting = "Hosting:TrustedProxies";

    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        var entries = Entries(app.Configuration);
        if (entries.Count == 0) return app;

        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            // Walk X-Forwarded-For back through trusted proxies only; the first address not trusted is the client.
            ForwardLimit = null,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var entry in entries)
        {
            if (entry.Contains('/') && System.Net.IPNetwork.TryParse(entry, out var network)) options.KnownIPNetworks.Add(network);
            else if (IPAddress.TryParse(entry, out var address)) options.KnownProxies.Add(address);
            else throw new InvalidOperationException($"{Setting}: '{entry}' is neither an IP address nor a network such as 10.0.0.0/8.");
        }
        app.UseForwardedHeaders(options);
        return app;
    }

    /// <summary>A comma-separated value, or an array (Hosting__TrustedProxies__0 in the environment).</summary>
    private static List<string> Entries(IConfiguration configuration)
    {
        var section = configuration.GetSection(Setting);
        var values = section.GetChildren().Select(c => c.Value).Append(section.Value);
        return [.. values.SelectMany(v => (v ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
    }
}
