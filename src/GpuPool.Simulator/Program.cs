namespace GpuPool.Simulator;

/// <summary>
/// Standalone: <c>dotnet run --project src/GpuPool.Simulator</c> (optionally a "Simulator" config section).
/// A named entry point rather than top-level statements, so that no second public <c>Program</c> type
/// reaches the portal, which hosts this assembly in-process.
/// </summary>
public static class SimulatorProgram
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = (builder.Configuration.GetSection("Simulator").Get<SimulatorOptions>() ?? new SimulatorOptions())
            .WithDefaultsWhereEmpty();
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
            builder.WebHost.UseUrls("http://127.0.0.1:5180");

        // Request logs drown the simulator's own output; a config file can turn them back on.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        SimulatorApp.AddServices(builder.Services, options);
        var app = builder.Build();
        SimulatorApp.MapEndpoints(app);
        app.Run();
    }
}
