using System.Text.Json;
using System.Text.Json.Serialization;

namespace GpuPool.Simulator.Tasks;

/// <summary>
/// One task's folder under the task root. The folder itself (state, logs, samples, wrapper) belongs to the pool; only
/// <c>work/</c>, the task's working directory, belongs to the task's user.
/// </summary>
public sealed class TaskFolder(string root, string taskId)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public string Path { get; } = System.IO.Path.Combine(root, taskId);
    public string Work => Combine("work");
    public string Bin => Combine("bin");
    public string RecordFile => Combine("task.json");
    public string Wrapper => Combine("run.sh");
    public string Stdout => Combine("stdout.log");
    public string Stderr => Combine("stderr.log");
    public string ExitCodeFile => Combine("exit_code");
    public string SamplesFile => Combine("samples.jsonl");

    /// <summary>The current GPU readings the nvidia-smi stand-in prints, one line per GPU.</summary>
    public string GpuReadings => Combine("gpus.txt");

    public string LogFile(string stream) => stream == "stderr" ? Stderr : Stdout;

    public static IEnumerable<TaskFolder> All(string root) =>
        Directory.Exists(root)
            ? Directory.EnumerateDirectories(root).Select(d => new TaskFolder(root, System.IO.Path.GetFileName(d)))
            : [];

    public void Save(TaskRecord record) => WriteAtomically(RecordFile, JsonSerializer.Serialize(record, Json));

    public TaskRecord? Load()
    {
        try { return File.Exists(RecordFile) ? JsonSerializer.Deserialize<TaskRecord>(File.ReadAllText(RecordFile), Json) : null; }
        catch (JsonException) { return null; }
    }

    /// <summary>The code the wrapper wrote when job.sh ended; null while it runs (or when it was killed outright).</summary>
    public int? ReadExitCode() =>
        File.Exists(ExitCodeFile) && int.TryParse(File.ReadAllText(ExitCodeFile).Trim(), out var code) ? code : null;

    public long Size(string file) => File.Exists(file) ? new FileInfo(file).Length : 0;

    public void AppendSamples(IEnumerable<GpuSample> samples) =>
        File.AppendAllLines(SamplesFile, samples.Select(s => JsonSerializer.Serialize(s, Json)));

    /// <summary>The recorded samples; a line cut short by a pool killed mid-write is skipped.</summary>
    public List<GpuSample> ReadSamples()
    {
        if (!File.Exists(SamplesFile)) return [];
        var samples = new List<GpuSample>();
        foreach (var line in File.ReadLines(SamplesFile))
        {
            try { if (line.Length > 0 && JsonSerializer.Deserialize<GpuSample>(line, Json) is { } sample) samples.Add(sample); }
            catch (JsonException) { }
        }
        return samples;
    }

    /// <summary>Written aside then renamed, so a pool killed mid-write never leaves half a file.</summary>
    public static void WriteAtomically(string file, string text)
    {
        var temp = file + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, file, overwrite: true);
    }

    string Combine(string name) => System.IO.Path.Combine(Path, name);
}
