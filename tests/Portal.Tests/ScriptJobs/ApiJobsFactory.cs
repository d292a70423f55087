using Portal.Tests.Infrastructure;

namespace Portal.Tests.ScriptJobs;

/// <summary>The portal on a fake clock with its job logs kept in a folder of its own, which tests write into as the collector would.</summary>
public sealed class ApiJobsFactory : LeaseFactory
{
    private readonly string root = Directory.CreateTempSubdirectory("portal-job-logs-").FullName;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("ScriptJobs:Root", root)];

    /// <summary>Appends to a task's kept log (stream "stdout" or "stderr") as the output collector does.</summary>
    public async Task AppendLogAsync(Guid jobId, int task, string stream, byte[] bytes)
    {
        var path = Path.Combine(root, jobId.ToString("D"), "logs", $"task-{task}.{stream}");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        await file.WriteAsync(bytes);
    }
}
