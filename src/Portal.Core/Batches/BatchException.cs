using Portal.Core.Refusals;

namespace Portal.Core.Batches;

/// <summary>
/// A refused file or batch request (see <see cref="ActionRefusedException"/>). Carries what OpenAI's error shape needs
/// besides: the parameter at fault, OpenAI's code (null where OpenAI sends none; <see cref="ActionRefusedException.Code"/>
/// then falls back to a portal code) and OpenAI's error type (<c>invalid_request_error</c> unless said otherwise).
/// </summary>
public sealed class BatchException(int status, string message, string? param = null, string? code = null,
    string type = BatchException.InvalidRequest) : ActionRefusedException(code ?? PortalCode(status), message, status)
{
    public const string InvalidRequest = "invalid_request_error";

    public string? Param { get; } = param;
    /// <summary>The <c>code</c> of OpenAI's error body: null unless the refusal has a specific one.</summary>
    public string? OpenAiCode { get; } = code;
    public string Type { get; } = type;

    public static BatchException Invalid(string message, string? param, string? code = null) => new(400, message, param, code);
    public static BatchException FileNotFound(string id) => new(404, $"No such File object: {id}", "id");
    public static BatchException BatchNotFound(string id) => new(404, $"No batch found with id '{id}'.", "batch_id");

    private static string PortalCode(int status) => status switch { 404 => "not_found", 403 => "forbidden", 409 => "conflict", _ => "invalid_request" };
}
