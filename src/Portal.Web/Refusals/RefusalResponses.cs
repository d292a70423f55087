using Portal.Core.Refusals;
using Portal.Web.Batches;

namespace Portal.Web.Refusals;

/// <summary>
/// The one place an API request's refusal becomes its answer: any <see cref="ActionRefusedException"/> an endpoint
/// lets escape is answered as problem details under /api (<see cref="RefusalProblem"/>) and in OpenAI's error shape under
/// /v1 (<see cref="OpenAiError.From"/>). Endpoints do not catch refusals themselves. Pages (and anything else) are left
/// to the usual error handling: a refusal there is caught by the page (<see cref="PageRefusals"/>).
/// </summary>
public static class RefusalResponses
{
    public static IApplicationBuilder UseRefusalResponses(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (ActionRefusedException e) when (!context.Response.HasStarted && IsApi(context.Request.Path))
        {
            var answer = OpenAiApi.IsOpenAiPath(context.Request.Path) ? OpenAiError.From(e) : RefusalProblem.From(e);
            await answer.ExecuteAsync(context);
        }
    });

    private static bool IsApi(PathString path) => path.StartsWithSegments("/api") || OpenAiApi.IsOpenAiPath(path);
}
