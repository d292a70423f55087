namespace Portal.Web.Batches;

public static class BatchesWebExtensions
{
    /// <summary>What the batch pages need beyond <c>AddPortalBatches</c>.</summary>
    public static IServiceCollection AddPortalBatchesUi(this IServiceCollection services)
    {
        services.AddScoped<BatchInputCheck>();
        return services;
    }

    /// <summary>The OpenAI-compatible API under /v1, and the batch pages' downloads.</summary>
    public static WebApplication MapPortalBatches(this WebApplication app)
    {
        app.MapOpenAiApi();
        app.MapBatchFileDownloads();
        return app;
    }
}
