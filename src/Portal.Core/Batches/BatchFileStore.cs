using System.Security.Cryptography;

namespace Portal.Core.Batches;

/// <summary>
/// Where file bytes live: one file per id under <c>Files:Root</c> (default <c>data/files</c> under the content
/// root; on a split deployment, a volume every worker mounts). Rows in <see cref="BatchFile"/> say what each is.
/// </summary>
public sealed class BatchFileStore(string root)
{
    public string Root { get; } = Directory.CreateDirectory(root).FullName;

    /// <summary>A new OpenAI-style id: <paramref name="prefix"/> (<c>file-</c>, <c>batch_</c>) + 24 random letters and digits.</summary>
    public static string NewId(string prefix) =>
        prefix + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 24);

    public string PathOf(string fileId)
    {
        if (fileId.Length is 0 or > 40 || fileId.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_'))
            throw new ArgumentException("Not a file id.", nameof(fileId));
        return Path.Combine(Root, fileId + ".jsonl");
    }

    public bool Exists(string fileId) => File.Exists(PathOf(fileId));

    public FileStream OpenRead(string fileId) =>
        new(PathOf(fileId), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);

    /// <summary>Copies <paramref name="content"/> to the file's place (via a temporary name, so a crash leaves no half file); returns its bytes.</summary>
    public async Task<long> SaveAsync(string fileId, Stream content, CancellationToken ct = default)
    {
        var path = PathOf(fileId);
        var temp = path + ".part-" + Guid.NewGuid().ToString("N");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
                await content.CopyToAsync(file, ct);
            File.Move(temp, path, overwrite: true);
            return new FileInfo(path).Length;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public void Delete(string fileId)
    {
        var path = PathOf(fileId);
        if (File.Exists(path)) File.Delete(path);
    }
}
