using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace GpuPool.Simulator;

/// <summary>Runs the simulator inside another process (the portal, tests) on loopback.</summary>
public static class SimulatorHost
{
    public static async Task<RunningSimulator> StartAsync(SimulatorOptions options, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(SimulatorHost).Assembly.GetName().Name,
            // Not the host process's content root: the simulator must not pick up the portal's settings.
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        SimulatorApp.AddServices(builder.Services, options);

        var app = builder.Build();
        SimulatorApp.MapEndpoints(app);
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features
            .Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningSimulator(app, new Uri(address.TrimEnd('/') + "/"));
    }
}

/// <summary>A started simulator; disposing it stops it.</summary>
public sealed class RunningSimulator(WebApplication app, Uri baseUrl) : IAsyncDisposable
{
    /// <summary>Base URL ending in '/': the pool API is under pool/, the OpenAI API under v1/.</summary>
    public Uri BaseUrl { get; } = baseUrl;

    public IServiceProvider Services => app.Services;

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
