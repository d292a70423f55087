using System.Text.Json;
using System.Text.RegularExpressions;
using Portal.Core.Refusals;
using Portal.Core.ScriptJobs;
using Portal.Web.Leases;
using Portal.Web.Refusals;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// Turns a launch body into a <see cref="ScriptJobRequest"/>: what is required and well-formed is checked here (naming the
/// field as the API spells it); the rules (script size, GPUs of the lease, variable names ...) are the launcher's, and its
/// field errors are renamed to the API's names.
/// </summary>
internal static partial class ScriptJobApiInput
{
    private static readonly Dictionary<string, string> ApiNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Variables"] = "environment", ["Variable"] = "environment", ["Environment"] = "environment", ["Tasks"] = "tasks",
        ["TaskCount"] = "tasks", ["MaxRetries"] = "retries", ["Files"] = "files", ["InputFiles"] = "files",
    };

    public static (ScriptJobRequest? Request, IResult? Error) ToRequest(LaunchJobBody body, string? idempotencyKey)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);

        if (body.Name is null) Add("name", "The job's name is required, e.g. \"train-resnet\".");
        if (body.Script is null) Add("script", "The script is required: the bash script each task runs.");
        if (body.GpusPerTask is null) Add("gpusPerTask", "The number of GPUs per task is required.");
        var variables = new List<JobVariable>();
        foreach (var (v, i) in (body.Environment ?? []).Select((v, i) => (v, i)))
        {
            if (v?.Name is null) Add($"environment[{i}].name", "Each variable needs a name.");
            else variables.Add(new JobVariable(v.Name, v.Value ?? "", v.Secret ?? false));
        }
        var files = new List<JobInputFile>();
        foreach (var (f, i) in (body.Files ?? []).Select((f, i) => (f, i)))
        {
            if (string.IsNullOrWhiteSpace(f?.Name)) Add($"files[{i}].name", "Each file needs a name.");
            else if (f.ContentBase64 is null) Add($"files[{i}].contentBase64", $"The content of '{f.Name}' is required, in base64.");
            else files.Add(new JobInputFile(f.Name, f.ContentBase64));
        }
        if (errors.Count > 0) return (null, LeaseProblems.Invalid(errors));

        return (new ScriptJobRequest(body.Name!, body.Script!, body.GpusPerTask!.Value, body.Tasks ?? 1, variables, body.TimeLimitMinutes, files,
            body.Retries ?? 0, body.RetryExitCodes ?? [], body.Priority ?? 0, string.IsNullOrWhiteSpace(body.Profile) ? null : body.Profile.Trim(),
            LeaseApiInput.Key(idempotencyKey)), null);
    }

    /// <summary>
    /// A time limit that would run past the lease's end: a validation problem on <c>timeLimitMinutes</c> carrying the
    /// lease's end and where to extend it (the API's extension endpoints and the lease's page).
    /// </summary>
    public static IResult PastLeaseEnd(Guid leaseId, ScriptJobTimeLimitException e) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["timeLimitMinutes"] = [e.Message] },
            detail: e.Message, title: "The request is not valid.", type: RefusalProblem.TypePrefix + e.Code,
            extensions: new Dictionary<string, object?>
            {
                ["code"] = e.Code,
                ["leaseEnd"] = e.LeaseEnd,
                ["links"] = new Dictionary<string, string>
                {
                    ["extend"] = $"{LeaseApi.Base}/{leaseId}/extend",
                    ["extendableUntil"] = $"{LeaseApi.Base}/{leaseId}/extendable-until",
                    ["leasePage"] = e.ExtendUrl,
                },
            });

    /// <summary>
    /// The launcher's field errors under the API's field names ("GpusPerTask" → "gpusPerTask", "Variables[2].Name" → "environment[2].name").
    /// </summary>
    public static FieldsRefusedException Renamed(FieldsRefusedException e) =>
        new(e.Errors.ToDictionary(f => ApiField(f.Key), f => f.Value));

    public static string ApiField(string field) => string.Join('.', field.Split('.').Select(segment =>
    {
        var m = Segment().Match(segment);
        if (!m.Success) return segment;
        var word = m.Groups["word"].Value;
        var name = ApiNames.TryGetValue(word, out var known) ? known : JsonNamingPolicy.CamelCase.ConvertName(word);
        return name + m.Groups["index"].Value;
    }));

    [GeneratedRegex(@"^(?<word>[A-Za-z_][A-Za-z0-9_]*)(?<index>(\[\d+\])*)$")]
    private static partial Regex Segment();
}
