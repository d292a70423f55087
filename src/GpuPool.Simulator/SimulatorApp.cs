using System.Text.Json.Serialization;
using GpuPool.Simulator.Faults;
using GpuPool.Simulator.Inference;
using GpuPool.Simulator.Nodes;
using GpuPool.Simulator.Tasks;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace GpuPool.Simulator;

/// <summary>The services and routes shared by the standalone program and the in-process host.</summary>
public static class SimulatorApp
{
    public static void AddServices(IServiceCollection services, SimulatorOptions options)
    {
        options.TaskRoot = TaskRootFolder.Resolve(options.TaskRoot);
        services.AddSingleton(options);
        services.AddSingleton<FaultBook>();
        services.AddSingleton<NodePool>();
        services.AddSingleton<ModelDeployments>();
        services.AddSingleton<TokenCounter>();
        services.AddSingleton<EmbeddingEncoder>();
        services.AddSingleton<ChatTextGenerator>();
        services.AddSingleton<InferenceGate>();
        services.AddSingleton<TaskBook>();
        services.AddSingleton<TaskChanges>();
        services.AddSingleton<TaskExits>();
        services.AddHostedService<TaskWatcher>();
        // A task's input files may be 50 MB together, base64 in JSON.
        services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = 128 * 1024 * 1024);
        // The pool API speaks camelCase with enum names as written (Ready, Maintenance...).
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
    }

    public static void MapEndpoints(WebApplication app)
    {
        app.MapNodeEndpoints();
        app.MapFaultEndpoints();
        app.MapTaskEndpoints();
        app.MapModelEndpoints();
        app.MapChatEndpoints();
        app.MapCompletionEndpoints();
        app.MapEmbeddingEndpoints();
    }
}
