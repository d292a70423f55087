using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Portal.Web.Leases;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// A launch sent as <c>multipart/form-data</c>, for tools that upload files as they are (curl -F): a <c>job</c> part
/// with the JSON body (any field of it), a <c>script</c> file that replaces <c>script</c>, and any number of <c>files</c>
/// parts added to <c>files</c> under their own file names. Same rules and answers as the JSON launch.
/// </summary>
internal static class ScriptJobLaunchForm
{
    public const string JobPart = "job";
    public const string ScriptPart = "script";
    public const string FilesPart = "files";

    public static async Task<(LaunchJobBody? Body, IResult? Error)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (InvalidDataException e)
        {
            return (null, LeaseProblems.Invalid("body", $"The form could not be read: {e.Message}"));
        }

        var body = new LaunchJobBody(null, null, null, null, null, null, null, null, null, null, null);
        if (form[JobPart] is { Count: > 0 } spec)
        {
            var json = request.HttpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            try
            {
                body = JsonSerializer.Deserialize<LaunchJobBody>(spec.ToString(), json) ?? body;
            }
            catch (JsonException e)
            {
                var field = e.Path is { Length: > 2 } path && path.StartsWith("$.") ? path[2..] : JobPart;
                return (null, LeaseProblems.Invalid(field, field == JobPart
                    ? "The 'job' part is not a valid JSON object." : $"The value of '{field}' has the wrong type."));
            }
        }
        if (form.Files.GetFile(ScriptPart) is { } script)
            body = body with { Script = await ReadTextAsync(script, ct) };
        var uploaded = new List<JobFileBody?>();
        foreach (var file in form.Files.GetFiles(FilesPart))
            uploaded.Add(new JobFileBody(Path.GetFileName(file.FileName), await ReadBytesAsync(file, ct)));
        if (uploaded.Count > 0) body = body with { Files = [.. body.Files ?? [], .. uploaded] };
        return (body, null);
    }

    private static async Task<string> ReadTextAsync(IFormFile file, CancellationToken ct) =>
        Encoding.UTF8.GetString(await ReadBytesAsync(file, ct));

    private static async Task<byte[]> ReadBytesAsync(IFormFile file, CancellationToken ct)
    {
        await using var stream = file.OpenReadStream();
        var bytes = new byte[file.Length];
        await stream.ReadExactlyAsync(bytes, ct);
        return bytes;
    }
}
