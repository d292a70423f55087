using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Batches;

public static class BatchesServiceCollectionExtensions
{
    public static IServiceCollection AddPortalBatches(this IServiceCollection services, IConfiguration config, string contentRoot)
    {
        services.AddOptions<BatchOptions>().Bind(config.GetSection("Batches"));
        var root = config["Files:Root"] is { Length: > 0 } r ? r : Path.Combine("data", "files");
        services.AddSingleton(new BatchFileStore(Path.GetFullPath(Path.Combine(contentRoot, root))));
        services.AddTransient<ValidateBatchJob>();
        services.AddScoped<BatchFileService>();
        services.AddScoped<BatchService>();
        return services;
    }
}
