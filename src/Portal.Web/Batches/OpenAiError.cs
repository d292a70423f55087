using Portal.Core.Batches;
using Portal.Core.Refusals;

namespace Portal.Web.Batches;

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record OpenAiErrorJson(OpenAiErrorDetailJson Error);

public sealed record OpenAiErrorDetailJson(string Message, string Type, string? Param, string? Code);

public static class OpenAiError
{
    public static IResult Create(int status, string message, string? param = null, string? code = null, string type = BatchException.InvalidRequest) =>
        TypedResults.Json(new OpenAiErrorJson(new OpenAiErrorDetailJson(message, type, param, code)), OpenAiJson.Options, statusCode: status);

    /// <summary>
    /// A refusal in OpenAI's shape: a batch refusal carries its own fields; any other (a role too low, a suspended
    /// organisation) has no parameter, its code, and OpenAI's <c>insufficient_permissions</c> for "forbidden".
    /// </summary>
    public static IResult From(ActionRefusedException e) => e is BatchException b
        ? Create(b.Status, b.Message, b.Param, b.OpenAiCode, b.Type)
        : Create(e.Status, e.Message, code: e.Code == "forbidden" ? "insufficient_permissions" : e.Code);

    /// <summary>OpenAI's answer to a body that is not JSON.</summary>
    public static IResult UnparsableBody() =>
        Create(400, "We could not parse the JSON body of your request. Send a JSON object with Content-Type: application/json.");
}
