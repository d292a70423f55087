namespace Portal.Core.Pool;

/// <summary>
/// Where the simulated pool answers. Set once at start: from <c>Pool:SimulatorUrl</c>, or by the web host
/// after it starts the embedded simulator on a free loopback port.
/// </summary>
public sealed class PoolEndpoint
{
    private Uri? baseUrl;

    public Uri BaseUrl => baseUrl ?? throw new InvalidOperationException("The GPU pool has not started yet.");

    public bool IsSet => baseUrl is not null;

    public void Set(Uri url) => baseUrl = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
}
