namespace GpuPool.Simulator.Inference;

public static class ModelEndpoints
{
    public sealed record DeploymentView(
        string Id, ModelKind Kind, string Sku, double TokensPerSecond, int MaxConcurrency, int ContextLength, int InFlight);

    public static void MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        // OpenAI's model list.
        app.MapGet("/v1/models", (ModelDeployments deployments) => OpenAi.Ok(new
        {
            @object = "list",
            data = deployments.All.Select(d => ModelObject(d)).ToArray(),
        }));

        app.MapGet("/v1/models/{model}", (string model, ModelDeployments deployments) =>
            deployments.Find(model) is { } d ? OpenAi.Ok(ModelObject(d)) : OpenAi.ModelNotFound(model));

        // The pool's view of its deployments, with live in-flight counts (for the driver and tests).
        app.MapGet("/pool/models", (ModelDeployments deployments) => Results.Ok(deployments.All.Select(d => new DeploymentView(
            d.Options.Id, d.Options.Kind, d.Options.Sku, d.Options.TokensPerSecond, d.Options.MaxConcurrency,
            d.Options.ContextLength, d.InFlight)).ToArray()));
    }

    static object ModelObject(Deployment d) => new { id = d.Options.Id, @object = "model", created = 1_735_689_600L, owned_by = "gpupool-simulator" };
}
