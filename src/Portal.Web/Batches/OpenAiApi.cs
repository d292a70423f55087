using Portal.Web.ApiKeys;

namespace Portal.Web.Batches;

/// <summary>
/// The OpenAI-compatible API under /v1 (Files, Batches, Models), so the official OpenAI SDKs work by changing only
/// the base URL to the portal's <c>/v1</c>. API keys only (<c>Authorization: Bearer sk-portal-...</c>): Read keys
/// read, Batches keys also upload, create and cancel. Refusals are answered in OpenAI's shape by the refusal middleware
/// (<see cref="Portal.Web.Refusals.RefusalResponses"/>); another organisation's ids are 404.
/// </summary>
public static class OpenAiApi
{
    public const string Base = "/v1";

    public static bool IsOpenAiPath(PathString path) => path.StartsWithSegments(Base);

    public static WebApplication MapOpenAiApi(this WebApplication app)
    {
        var api = app.MapGroup(Base).RequireAuthorization(ApiKeysWebExtensions.OpenAiPolicy).WithTags("OpenAI-compatible");

        api.MapPost("/files", OpenAiFileEndpoints.UploadAsync)
            .WithSummary("Upload a batch input file (multipart: file, purpose=batch)")
            .WithDescription("Streamed to storage and counted; at most `Batches:MaxFileBytes` (200 MB by default, 413 `file_too_large` past it).")
            .Produces<OpenAiFileJson>();
        api.MapGet("/files", OpenAiFileEndpoints.ListAsync).WithSummary("List files (purpose, limit, after, order)")
            .Produces<OpenAiListJson<OpenAiFileJson>>();
        api.MapGet("/files/{id}", OpenAiFileEndpoints.GetAsync).WithSummary("A file").Produces<OpenAiFileJson>();
        api.MapGet("/files/{id}/content", OpenAiFileEndpoints.ContentAsync).WithSummary("A file's bytes, streamed");
        api.MapDelete("/files/{id}", OpenAiFileEndpoints.DeleteAsync).WithSummary("Delete a file").Produces<OpenAiDeletedJson>();

        api.MapPost("/batches", OpenAiBatchEndpoints.CreateAsync)
            .WithSummary("Create a batch (input_file_id, endpoint, completion_window \"24h\", metadata)")
            .WithDescription("Endpoints: /v1/chat/completions, /v1/completions, /v1/embeddings. Starts as `validating`. Refused (403) for a " +
                             "suspended organisation or one at its spend limit.")
            .Produces<OpenAiBatchJson>();
        api.MapGet("/batches", OpenAiBatchEndpoints.ListAsync).WithSummary("List batches, newest first (after, limit)")
            .Produces<OpenAiListJson<OpenAiBatchJson>>();
        api.MapGet("/batches/{id}", OpenAiBatchEndpoints.GetAsync).WithSummary("A batch").Produces<OpenAiBatchJson>();
        api.MapPost("/batches/{id}/cancel", OpenAiBatchEndpoints.CancelAsync).WithSummary("Cancel a batch (it moves to cancelling)")
            .Produces<OpenAiBatchJson>();

        api.MapGet("/models", OpenAiModelEndpoints.ListAsync).WithSummary("The hosted models").Produces<OpenAiListJson<OpenAiModelJson>>();
        api.MapGet("/models/{id}", OpenAiModelEndpoints.GetAsync).WithSummary("A hosted model").Produces<OpenAiModelJson>();

        // OpenAI's answer to a path or method it does not serve.
        api.MapFallback("{**path}", (HttpRequest r) => OpenAiError.Create(404, $"Invalid URL ({r.Method} {r.Path})")).ExcludeFromDescription();
        return app;
    }
}
