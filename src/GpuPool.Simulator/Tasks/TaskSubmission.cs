using System.Text.RegularExpressions;

namespace GpuPool.Simulator.Tasks;

/// <summary>A checked <c>PUT /pool/tasks/{taskId}</c>: every field the pool needs, or the reason it is refused (400).</summary>
public sealed partial record TaskSubmission(
    string TaskId, string NodeId, string ReservationId, int Gpus, int TimeLimitSeconds, string Profile, TaskInputs Inputs)
{
    /// <summary>Task ids name folders: letters, digits, '.', '_' and '-', not starting with a dot.</summary>
    public static bool IsValidId(string taskId) => IdPattern().IsMatch(taskId);

    public static (TaskSubmission? Submission, string? Error) Parse(string taskId, SubmitTaskRequest request)
    {
        if (!IsValidId(taskId)) return (null, "taskId must be 1-100 letters, digits, '.', '_' or '-', not starting with '.'.");
        if (string.IsNullOrWhiteSpace(request.NodeId)) return (null, "nodeId is required.");
        if (string.IsNullOrWhiteSpace(request.ReservationId)) return (null, "reservationId is required.");
        if (request.Gpus is not > 0) return (null, "gpus must be a positive number.");
        if (string.IsNullOrWhiteSpace(request.Script)) return (null, "script is required.");
        if (request.TimeLimitSeconds is < 0) return (null, "timeLimitSeconds must be 0 (no limit) or more.");
        var profile = request.Profile is { Length: > 0 } p ? p.ToLowerInvariant() : TaskProfiles.Busy;
        if (!TaskProfiles.All.Contains(profile)) return (null, $"profile must be one of: {string.Join(", ", TaskProfiles.All)}.");

        var environment = request.Environment ?? [];
        foreach (var (key, value) in environment)
        {
            if (!VariablePattern().IsMatch(key)) return (null, $"environment variable name '{key}' is not valid.");
            if (value is null || value.Contains('\0')) return (null, $"environment variable {key} has no value or holds a NUL.");
        }

        var files = new List<(string, byte[])>();
        foreach (var file in request.Files ?? [])
        {
            var name = file.Name ?? "";
            if (name is "" or "." or ".." or "job.sh" || name.Contains('/') || name.Contains('\\') || name.Contains('\0') || name.Contains(".."))
                return (null, $"file name '{name}' is not allowed: a plain name, no folders or '..', and not job.sh.");
            if (files.Any(f => f.Item1 == name)) return (null, $"file name '{name}' appears twice.");
            try { files.Add((name, Convert.FromBase64String(file.ContentBase64 ?? ""))); }
            catch (FormatException) { return (null, $"file {name}: contentBase64 is not valid base64."); }
        }

        return (new TaskSubmission(taskId, request.NodeId, request.ReservationId, request.Gpus.Value, request.TimeLimitSeconds ?? 0,
            profile, new TaskInputs(request.Script, environment, files)), null);
    }

    [GeneratedRegex(@"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariablePattern();
}
