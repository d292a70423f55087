using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GpuPool.Simulator.Inference;

/// <summary>OpenAI's wire conventions: snake_case JSON and the {"error": {...}} shape.</summary>
public static class OpenAi
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IResult Ok(object body) => Results.Json(body, Json);

    public static IResult Error(int status, string message, string type, string? code, string? param = null) =>
        Results.Json(new { error = new { message, type, param, code } }, Json, statusCode: status);

    public static IResult InvalidRequest(string message, string? param = null, string? code = null) =>
        Error(400, message, "invalid_request_error", code, param);

    public static IResult ModelNotFound(string model) =>
        Error(404, $"The model `{model}` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found", "model");

    public static IResult RateLimited(HttpContext context, string message)
    {
        context.Response.Headers.RetryAfter = "1";
        return Error(429, message, "requests", "rate_limit_exceeded");
    }

    public static IResult ServerError() =>
        Error(500, "The server had an error while processing your request. Sorry about that!", "server_error", "server_error");

    /// <summary>Reads a JSON body; null and an error result if it is missing or not valid JSON.</summary>
    public static async Task<(T? Body, IResult? Error)> ReadAsync<T>(HttpRequest request) where T : class
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(request.Body, Json, request.HttpContext.RequestAborted);
            return body is null ? (null, InvalidRequest("The request body must be a JSON object.")) : (body, null);
        }
        catch (JsonException e)
        {
            return (null, InvalidRequest($"We could not parse the JSON body of your request: {e.Message}"));
        }
    }

    public static long UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
