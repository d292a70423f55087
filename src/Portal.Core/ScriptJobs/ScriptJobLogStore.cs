using Portal.Core.Pool;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// The portal's keep of job logs: one append-only file per task and stream under
/// <c>&lt;Root&gt;/&lt;job id&gt;/logs/task-&lt;index&gt;.stdout|.stderr</c> (input files live beside them in
/// <c>inputs/</c>). Every handle shares read, write and delete, so live readers never block the writer; reads go by byte
/// offset and never load a whole file.
/// </summary>
public sealed class ScriptJobLogStore
{
    // Collections of one job are serialised (the job's cap counts all its files); striped so the locks never grow.
    private readonly SemaphoreSlim[] locks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    private readonly ScriptJobFiles files;

    /// <summary>The job folders are <see cref="ScriptJobFiles"/>' (one layout for inputs and logs).</summary>
    public ScriptJobLogStore(ScriptJobFiles files) => this.files = files;

    public string Root => files.Root;

    public string JobFolder(Guid jobId) => files.JobFolder(jobId);

    public string LogsFolder(Guid jobId) => Path.Combine(JobFolder(jobId), "logs");

    public string PathOf(Guid jobId, int taskIndex, PoolLogStream stream) =>
        Path.Combine(LogsFolder(jobId), $"task-{taskIndex}.{(stream == PoolLogStream.Stdout ? "stdout" : "stderr")}");

    /// <summary>Bytes kept so far (0 when nothing was).</summary>
    public long Length(Guid jobId, int taskIndex, PoolLogStream stream)
    {
        var file = new FileInfo(PathOf(jobId, taskIndex, stream));
        return file.Exists ? file.Length : 0;
    }

    /// <summary>Up to <paramref name="maxBytes"/> from <paramref name="offset"/> (nothing past the end).</summary>
    public async Task<byte[]> ReadAsync(Guid jobId, int taskIndex, PoolLogStream stream, long offset, int maxBytes, CancellationToken ct)
    {
        var path = PathOf(jobId, taskIndex, stream);
        if (maxBytes <= 0 || !File.Exists(path)) return [];
        try
        {
            await using var file = OpenRead(path);
            var count = (int)Math.Clamp(file.Length - offset, 0, maxBytes);
            if (count == 0) return [];
            var data = new byte[count];
            file.Position = offset;
            await file.ReadExactlyAsync(data, ct);
            return data;
        }
        catch (FileNotFoundException) { return []; } // purged between the check and the open
        catch (DirectoryNotFoundException) { return []; }
        catch (EndOfStreamException) { return []; } // cut back by a collector's recovery while we read: the caller asks again
    }

    /// <summary>Up to <paramref name="into"/>'s length from <paramref name="offset"/> into it (nothing past the end); the bytes read.</summary>
    public async Task<int> ReadIntoAsync(Guid jobId, int taskIndex, PoolLogStream stream, long offset, Memory<byte> into, CancellationToken ct)
    {
        var path = PathOf(jobId, taskIndex, stream);
        if (into.Length == 0 || !File.Exists(path)) return 0;
        try
        {
            // No buffer of its own: the caller's is the only copy.
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0, useAsync: true);
            var count = (int)Math.Clamp(file.Length - offset, 0, into.Length);
            if (count == 0) return 0;
            file.Position = offset;
            await file.ReadExactlyAsync(into[..count], ct);
            return count;
        }
        catch (FileNotFoundException) { return 0; } // purged between the check and the open
        catch (DirectoryNotFoundException) { return 0; }
        catch (EndOfStreamException) { return 0; } // cut back by a collector's recovery while we read: the caller asks again
    }

    /// <summary>A read-only stream of a kept file (for downloads), or null when nothing was kept.</summary>
    public Stream? OpenRead(Guid jobId, int taskIndex, PoolLogStream stream)
    {
        try { return OpenRead(PathOf(jobId, taskIndex, stream)); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);

    /// <summary>
    /// Cuts the file back to <paramref name="length"/> (undoing an append whose offsets never reached the database),
    /// then appends <paramref name="data"/>; returns the new length.
    /// </summary>
    public async Task<long> AppendAsync(Guid jobId, int taskIndex, PoolLogStream stream, long length, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var path = PathOf(jobId, taskIndex, stream);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        if (file.Length != length) file.SetLength(length);
        file.Position = length;
        await file.WriteAsync(data, ct);
        await file.FlushAsync(ct);
        return length + data.Length;
    }

    /// <summary>Whether the kept file ends a line (true when empty): notes the portal adds start on a line of their own.</summary>
    public bool EndsWithNewline(Guid jobId, int taskIndex, PoolLogStream stream, long length)
    {
        if (length == 0) return true;
        using var file = new FileStream(PathOf(jobId, taskIndex, stream), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        file.Position = length - 1;
        return file.ReadByte() == '\n';
    }

    /// <summary>The copy's checkpoint of a task's stream (see <see cref="ScriptJobLogMark"/>); null when there is none.</summary>
    public ScriptJobLogMark? ReadMark(Guid jobId, int taskIndex, PoolLogStream stream)
    {
        var path = PathOf(jobId, taskIndex, stream) + ".mark";
        try { return ScriptJobLogMark.Parse(File.ReadAllText(path)); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    /// <summary>Writes the checkpoint whole or not at all (a temporary name, then a rename).</summary>
    public void WriteMark(Guid jobId, int taskIndex, PoolLogStream stream, ScriptJobLogMark mark)
    {
        var path = PathOf(jobId, taskIndex, stream) + ".mark";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, mark.ToString());
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Deletes everything kept of a job after retention (logs, and its input files beside them); deleting what is gone is not an error.</summary>
    public void DeleteJobFiles(Guid jobId)
    {
        var folder = JobFolder(jobId);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    /// <summary>Holds the job's turn to write its logs (one collection of a job at a time in this process).</summary>
    public async Task<IDisposable> LockAsync(Guid jobId, CancellationToken ct)
    {
        var gate = locks[(int)((uint)jobId.GetHashCode() % (uint)locks.Length)];
        await gate.WaitAsync(ct);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int done;
        public void Dispose() { if (Interlocked.Exchange(ref done, 1) == 0) gate.Release(); }
    }
}
