namespace Portal.Core.Batches;

/// <summary>
/// A running batch's output and error files as they grow (<c>{batch}-out</c> and <c>{batch}-err</c> in the file
/// store). Opening cuts both back to the last checkpoint's lengths, so whatever was appended after it (by a runner
/// that crashed before committing) is gone and those lines run again. <see cref="Sync"/> makes the bytes durable
/// before a checkpoint records their length; at the end the files are moved, not copied, to their final ids.
/// </summary>
public sealed class BatchPartialFiles : IDisposable
{
    private readonly FileStream output, error;

    private BatchPartialFiles(FileStream output, FileStream error) => (this.output, this.error) = (output, error);

    public long OutputBytes => output.Position;
    public long ErrorBytes => error.Position;

    public static string OutputId(string batchId) => batchId + "-out";
    public static string ErrorId(string batchId) => batchId + "-err";

    public static BatchPartialFiles Open(BatchFileStore store, string batchId, long outputBytes, long errorBytes)
    {
        var output = OpenAt(store.PathOf(OutputId(batchId)), outputBytes);
        try { return new(output, OpenAt(store.PathOf(ErrorId(batchId)), errorBytes)); }
        catch { output.Dispose(); throw; }
    }

    private static FileStream OpenAt(string path, long length)
    {
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read | FileShare.Delete, 64 * 1024);
        if (file.Length < length)
        {
            file.Dispose(); // a checkpoint never records bytes that were not synced first: the files were tampered with
            throw new InvalidOperationException($"{Path.GetFileName(path)} has {file.Length} bytes but the checkpoint says {length}.");
        }
        file.SetLength(length);
        file.Seek(0, SeekOrigin.End);
        return file;
    }

    public void AppendOutput(ReadOnlySpan<byte> line) => output.Write(line);
    public void AppendError(ReadOnlySpan<byte> line) => error.Write(line);

    /// <summary>Flushes both files to the disk (fsync): only then may a checkpoint name their lengths.</summary>
    public void Sync()
    {
        output.Flush(flushToDisk: true);
        error.Flush(flushToDisk: true);
    }

    public void Dispose()
    {
        output.Dispose();
        error.Dispose();
    }

    /// <summary>
    /// Moves a finished partial file to its final id (or deletes it when it stays empty: no file id). Safe to repeat
    /// after a crash: a partial already moved is found under its final name.
    /// </summary>
    public static void Publish(BatchFileStore store, string partialId, string? finalId, long length)
    {
        var partial = store.PathOf(partialId);
        if (finalId is null)
        {
            if (File.Exists(partial)) File.Delete(partial);
            return;
        }
        if (File.Exists(partial))
        {
            using (var file = new FileStream(partial, FileMode.Open, FileAccess.Write, FileShare.Read | FileShare.Delete))
            {
                file.SetLength(length);
                file.Flush(flushToDisk: true);
            }
            File.Move(partial, store.PathOf(finalId), overwrite: true);
        }
        else if (!store.Exists(finalId))
            throw new InvalidOperationException($"Neither {partialId} nor {finalId} exists: the batch's results are missing.");
    }
}
