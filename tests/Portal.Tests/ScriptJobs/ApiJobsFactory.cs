using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Pool;
using Portal.Core.ScriptJobs;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.ScriptJobs;

/// <summary>The portal on a fake clock whose tests write job logs into the portal's keep as the output collector does.</summary>
public sealed class ApiJobsFactory : LeaseFactory
{
    /// <summary>Appends to a task's kept log (stream "stdout" or "stderr"), where the log store reads it.</summary>
    public async Task AppendLogAsync(Guid jobId, int task, string stream, byte[] bytes)
    {
        var store = Services.GetRequiredService<ScriptJobLogStore>();
        var path = store.PathOf(jobId, task, stream == "stdout" ? PoolLogStream.Stdout : PoolLogStream.Stderr);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        await file.WriteAsync(bytes);
    }
}
