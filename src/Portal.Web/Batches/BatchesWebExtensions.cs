namespace Portal.Web.Batches;

public static class BatchesWebExtensions
{
    /// <summary>The OpenAI-compatible API under /v1 (the batch pages come later).</summary>
    public static WebApplication MapPortalBatches(this WebApplication app)
    {
        app.MapOpenAiApi();
        return app;
    }
}
