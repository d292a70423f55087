using Portal.Core.Batches;

namespace Portal.Web.Batches;

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record OpenAiErrorJson(OpenAiErrorDetailJson Error);

public sealed record OpenAiErrorDetailJson(string Message, string Type, string? Param, string? Code);

public static class OpenAiError
{
    public static IResult Create(int status, string message, string? param = null, string? code = null, string type = BatchException.InvalidRequest) =>
        TypedResults.Json(new OpenAiErrorJson(new OpenAiErrorDetailJson(message, type, param, code)), OpenAiJson.Options, statusCode: status);

    public static IResult From(BatchException e) => Create(e.Status, e.Message, e.Param, e.Code, e.Type);

    /// <summary>OpenAI's answer to a body that is not JSON.</summary>
    public static IResult UnparsableBody() =>
        Create(400, "We could not parse the JSON body of your request. Send a JSON object with Content-Type: application/json.");
}
