namespace Portal.Core.Batches;

/// <summary>
/// A refused file or batch request; nothing was changed. Carries what OpenAI's error shape needs: the HTTP status,
/// the parameter at fault, a code, and OpenAI's error type (<c>invalid_request_error</c> unless said otherwise).
/// </summary>
public sealed class BatchException(int status, string message, string? param = null, string? code = null,
    string type = BatchException.InvalidRequest) : InvalidOperationException(message)
{
    public const string InvalidRequest = "invalid_request_error";

    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    public string Type { get; } = type;

    public static BatchException Invalid(string message, string? param, string? code = null) => new(400, message, param, code);
    public static BatchException FileNotFound(string id) => new(404, $"No such File object: {id}", "id");
    public static BatchException BatchNotFound(string id) => new(404, $"No batch found with id '{id}'.", "batch_id");
}
