using Portal.Core.Refusals;

namespace Portal.Core.ScriptJobs;

/// <summary>A script-job action refused (see <see cref="ActionRefusedException"/>); 409 unless said otherwise.</summary>
public class ScriptJobException(string code, string message, int status = 409) : ActionRefusedException(code, message, status)
{
    public static ScriptJobException Invalid(string message) => new("invalid_request", message, 400);
    public static ScriptJobException NotFound() => new("not_found", "No such job.", 404);
}
