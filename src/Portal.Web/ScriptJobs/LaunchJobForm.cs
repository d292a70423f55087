using System.Globalization;
using Portal.Core.ScriptJobs;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// What the launch page's form holds, and how it becomes a <see cref="ScriptJobRequest"/>. The service validates; the form
/// only turns text into numbers. The idempotency key is made once per form, so a double click launches one job.
/// </summary>
public sealed class LaunchJobForm
{
    public string Name { get; set; } = "";
    public string Script { get; set; } = "#!/bin/bash\nset -euo pipefail\n\nnvidia-smi\necho \"task $PORTAL_TASK_INDEX on GPUs $CUDA_VISIBLE_DEVICES\"\n";
    /// <summary>A script uploaded as a file; when set it is what runs (too long to edit in the page).</summary>
    public UploadedFile? ScriptFile { get; set; }
    public int GpusPerTask { get; set; } = 1;
    public int Tasks { get; set; } = 1;
    public List<VariableRow> Variables { get; } = [];
    public bool UntilLeaseEnds { get; set; } = true;
    public int TimeLimitMinutes { get; set; } = 60;
    public List<UploadedFile> Files { get; } = [];
    public int Retries { get; set; }
    public string RetryExitCodes { get; set; } = "";
    public int Priority { get; set; }
    public string? Profile { get; set; }
    public string IdempotencyKey { get; } = "page-" + Guid.NewGuid().ToString("N");

    public long FilesBytes => Files.Sum(f => (long)f.Content.Length);
    public string ScriptText => ScriptFile is { } f ? System.Text.Encoding.UTF8.GetString(f.Content) : Script;

    /// <summary>"1, 137" as numbers; null (and the words to show) when something is not a whole number.</summary>
    public (IReadOnlyList<int>? Codes, string? Error) ParseExitCodes()
    {
        var codes = new List<int>();
        foreach (var part in RetryExitCodes.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code))
                return (null, $"\"{part}\" is not an exit code: write whole numbers separated by commas, e.g. 1, 137.");
            codes.Add(code);
        }
        return (codes, null);
    }

    public ScriptJobRequest ToRequest(IReadOnlyList<int> exitCodes) => new(
        Name.Trim(),
        ScriptText,
        GpusPerTask,
        Tasks,
        Variables.Where(v => !v.IsBlank).Select(v => new JobVariable(v.Name.Trim(), v.Value, v.Secret)).ToList(),
        UntilLeaseEnds ? null : TimeLimitMinutes,
        Files.Select(f => new JobInputFile(f.Name, f.Content)).ToList(),
        Retries,
        exitCodes.Count == 0 ? null : exitCodes,
        Priority,
        string.IsNullOrEmpty(Profile) ? null : Profile,
        IdempotencyKey);

    public sealed class VariableRow
    {
        public string Name { get; set; } = "";
        public string Value { get; set; } = "";
        public bool Secret { get; set; }
        public bool IsBlank => string.IsNullOrWhiteSpace(Name) && string.IsNullOrEmpty(Value);
    }

    public sealed record UploadedFile(string Name, byte[] Content);
}
