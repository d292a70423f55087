namespace Portal.Core.Refusals;

/// <summary>
/// The one way an action is refused, in every feature: nothing was changed and <see cref="Exception.Message"/> says why,
/// in words for the person who asked. <see cref="Code"/> is machine-readable (the API's problem details carry it as
/// <c>code</c>), <see cref="Status"/> is the HTTP status an API answers with. Pages show the message; APIs map it once
/// (Portal.Web/Refusals). Features derive from it only to carry more (a lease's free windows, OpenAI's error fields).
/// A bug is not a refusal: throw something else.
/// </summary>
public class ActionRefusedException(string code, string message, int status = 409) : Exception(message)
{
    public string Code { get; } = code;
    public int Status { get; } = status;

    public static ActionRefusedException Invalid(string message, string code = "invalid_request") => new(code, message, 400);
    public static ActionRefusedException Forbidden(string message) => new("forbidden", message, 403);
    public static ActionRefusedException NotFound(string message) => new("not_found", message, 404);
    /// <summary>The state or a rule says no ("already suspended", "only a void invoice is re-issued").</summary>
    public static ActionRefusedException Refused(string message) => new("refused", message, 409);
    public static ActionRefusedException Conflict(string code, string message) => new(code, message, 409);
}
