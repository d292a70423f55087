namespace GpuPool.Simulator;

/// <summary>Errors of the pool API, in the same {"error": {...}} shape as the OpenAI routes.</summary>
public static class PoolErrors
{
    public static IResult BadRequest(string message) => Error(400, message, "invalid_request_error", "invalid_request");

    public static IResult NotFound(string message) => Error(404, message, "invalid_request_error", "not_found");

    public static IResult Conflict(string message, string code) => Error(409, message, "conflict", code);

    public static IResult Error(int status, string message, string type, string code) =>
        Results.Json(new { error = new { message, type, code } }, statusCode: status);
}
