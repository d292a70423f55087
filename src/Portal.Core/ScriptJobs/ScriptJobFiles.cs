using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portal.Core.Pool;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// A job's files on disk under <see cref="ScriptJobOptions.Root"/> (default <c>data/jobs</c> under the content root):
/// one folder per job, its input files in <c>inputs/</c>. A launch stages the files in a folder of its own first and
/// moves it into place just before its rows commit, so a launch that fails leaves no files behind.
/// </summary>
public sealed class ScriptJobFiles
{
    private const string StagingFolder = ".staging";

    public ScriptJobFiles(IOptions<ScriptJobOptions> options, IHostEnvironment host)
    {
        var root = options.Value.Root is { Length: > 0 } r ? r : Path.Combine("data", "jobs");
        Root = Path.GetFullPath(Path.Combine(host.ContentRootPath, root));
    }

    public string Root { get; }

    /// <summary>Everything the portal keeps of one job (inputs, kept logs).</summary>
    public string JobFolder(Guid jobId) => Path.Combine(Root, jobId.ToString("D")); // the same folder as ScriptJobLogStore.JobFolder

    public string InputsFolder(Guid jobId) => Path.Combine(JobFolder(jobId), "inputs");

    /// <summary>Writes the files into a new staging folder and returns it; null when there are none.</summary>
    public async Task<string?> StageAsync(IReadOnlyList<JobInputFile> files, CancellationToken ct)
    {
        if (files.Count == 0) return null;
        SweepStaleStaging();
        var staging = Path.Combine(Root, StagingFolder, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var f in files)
            {
                // The rules allow plain names only; check again that nothing lands outside the folder.
                var path = Path.GetFullPath(Path.Combine(staging, f.Name));
                if (Path.GetDirectoryName(path) != staging) throw new InvalidOperationException($"Not a plain file name: {f.Name}");
                await File.WriteAllBytesAsync(path, f.Content, ct);
            }
            return staging;
        }
        catch
        {
            Discard(staging);
            throw;
        }
    }

    /// <summary>A launch stages for seconds; a folder this old was left by a process that died mid-launch (its rows never committed).</summary>
    public static readonly TimeSpan StaleStaging = TimeSpan.FromHours(1);

    private void SweepStaleStaging()
    {
        var folder = Path.Combine(Root, StagingFolder);
        if (!Directory.Exists(folder)) return;
        foreach (var dir in Directory.EnumerateDirectories(folder))
            if (Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow - StaleStaging) Discard(dir); // file times are the machine's clock
    }

    /// <summary>Moves a staged folder into place as the job's inputs.</summary>
    public void Commit(string staging, Guid jobId)
    {
        Directory.CreateDirectory(JobFolder(jobId));
        Directory.Move(staging, InputsFolder(jobId));
    }

    /// <summary>Deletes a staged (or committed, then rolled back) folder; never throws.</summary>
    public static void Discard(string? folder)
    {
        if (folder is null) return;
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (IOException) { } // the purge of stale folders gets it later
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Deletes a job's folder after its rows were rolled back.</summary>
    public void DiscardJob(Guid jobId) => Discard(JobFolder(jobId));

    /// <summary>The job's input files as the pool takes them (read when a task is submitted).</summary>
    public async Task<IReadOnlyList<PoolTaskFile>> ReadInputsAsync(ScriptJob job, CancellationToken ct = default)
    {
        var files = new List<PoolTaskFile>();
        foreach (var entry in ReadInputList(job))
            files.Add(new PoolTaskFile(entry.Name, await File.ReadAllBytesAsync(Path.Combine(InputsFolder(job.Id), entry.Name), ct)));
        return files;
    }

    /// <summary>The input files' names and sizes, as stored on the job.</summary>
    public static IReadOnlyList<InputFileEntry> ReadInputList(ScriptJob job) =>
        string.IsNullOrEmpty(job.InputFilesJson) ? [] : JsonSerializer.Deserialize<List<InputFileEntry>>(job.InputFilesJson, JsonOptions) ?? [];

    public static string InputListJson(IReadOnlyList<JobInputFile> files) =>
        JsonSerializer.Serialize(files.Select(f => new InputFileEntry(f.Name, f.Content.LongLength)).ToList(), JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}

/// <summary>An input file's name and size in bytes (<see cref="ScriptJob.InputFilesJson"/>).</summary>
public sealed record InputFileEntry(string Name, long Bytes);
