using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Tenancy;

namespace Portal.Core.Batches;

/// <summary>Bytes already in the store under a new id, not yet a <see cref="BatchFile"/> (see <see cref="BatchFileService.StoreAsync"/>).</summary>
public sealed record StoredUpload(string FileId, long Bytes, int Lines);

/// <summary>
/// The organisation's files, as OpenAI's Files API: uploads are streamed to the <see cref="BatchFileStore"/> (never
/// held whole), counted, and refused past <see cref="BatchOptions.MaxFileBytes"/>. Members and up change them,
/// every member reads them. Deleting keeps the row (a batch still names it) and removes the bytes.
/// </summary>
public sealed class BatchFileService(IDbContextFactory<PortalDbContext> dbFactory, CurrentTenant tenant, BatchFileStore store,
    IOptions<BatchOptions> options, AuditLog audit, TimeProvider time)
{
    public const string BatchPurpose = "batch";
    public const string OutputPurpose = "batch_output";
    public const int MaxFilenameLength = 255;

    /// <summary>Refuses a caller who may not upload, before any byte is read.</summary>
    public void EnsureCanWrite() => tenant.RequireRole(TenantRole.Member, "upload or delete files");

    /// <summary>Streams <paramref name="content"/> into the store; too big: nothing is kept and a 413 <see cref="BatchException"/>.</summary>
    public async Task<StoredUpload> StoreAsync(Stream content, CancellationToken ct = default)
    {
        await tenant.RequireRoleAsync(dbFactory, TenantRole.Member, "upload or delete files", ct);
        var id = BatchFileStore.NewId("file-");
        var counting = new CountingStream(content, options.Value.MaxFileBytes);
        await store.SaveAsync(id, counting, ct);
        return new StoredUpload(id, counting.Bytes, counting.Lines);
    }

    /// <summary>Forgets bytes stored for an upload that was then refused.</summary>
    public void Discard(StoredUpload upload) => store.Delete(upload.FileId);

    /// <summary>Checks the purpose and name and records the stored bytes as a file; when refused, the bytes are deleted.</summary>
    public async Task<BatchFile> CreateAsync(StoredUpload upload, string? filename, string? purpose, CancellationToken ct = default)
    {
        try
        {
            CheckPurpose(purpose);
            var name = Path.GetFileName(filename?.Trim() ?? "");
            if (name.Length == 0) name = upload.FileId + ".jsonl";
            if (name.Length > MaxFilenameLength) throw BatchException.Invalid($"The file name may be at most {MaxFilenameLength} characters.", "file");
            var file = new BatchFile
            {
                Id = upload.FileId, Filename = name, Purpose = BatchPurpose, Bytes = upload.Bytes, Lines = upload.Lines,
                CreatedAt = time.GetUtcNow().UtcDateTime, CreatedByUserId = tenant.UserId,
            };
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            db.BatchFiles.Add(file);
            audit.Add(db, "file.uploaded", "File", file.Id, $"{file.Filename} ({file.Bytes:N0} bytes, {file.Lines:N0} lines)", tenant.TenantId);
            await db.SaveChangesAsync(ct);
            return file;
        }
        catch
        {
            store.Delete(upload.FileId);
            throw;
        }
    }

    /// <summary>Uploads in one call (the pages): purpose checked first, then streamed, counted and recorded.</summary>
    public async Task<BatchFile> UploadAsync(Stream content, string filename, string purpose, CancellationToken ct = default)
    {
        CheckPurpose(purpose);
        return await CreateAsync(await StoreAsync(content, ct), filename, purpose, ct);
    }

    /// <summary>Only <c>batch</c> files are uploaded here (OpenAI's other purposes are for features the portal does not have).</summary>
    public static void CheckPurpose(string? purpose)
    {
        if (string.IsNullOrWhiteSpace(purpose))
            throw BatchException.Invalid("Missing required parameter: 'purpose'. Use purpose=batch.", "purpose");
        if (purpose != BatchPurpose)
            throw BatchException.Invalid($"Invalid value for 'purpose': '{purpose}'. The only purpose supported is 'batch'.", "purpose");
    }

    /// <summary>A file of this organisation that was not deleted, or null.</summary>
    public async Task<BatchFile?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.BatchFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == id && f.DeletedAt == null, ct);
    }

    /// <summary>Files by creation (newest first unless <paramref name="ascending"/>), after the file <paramref name="after"/>.</summary>
    public async Task<(List<BatchFile> Files, bool HasMore)> ListAsync(string? purpose, int limit, string? after, bool ascending,
        CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.BatchFiles.AsNoTracking().Where(f => f.DeletedAt == null);
        if (!string.IsNullOrEmpty(purpose)) q = q.Where(f => f.Purpose == purpose);
        if (!string.IsNullOrEmpty(after))
        {
            var cursor = await db.BatchFiles.AsNoTracking().Where(f => f.Id == after).Select(f => new { f.CreatedAt }).FirstOrDefaultAsync(ct)
                         ?? throw BatchException.Invalid($"There is no file '{after}' to list after.", "after");
            q = ascending
                ? q.Where(f => f.CreatedAt > cursor.CreatedAt || (f.CreatedAt == cursor.CreatedAt && string.Compare(f.Id, after) > 0))
                : q.Where(f => f.CreatedAt < cursor.CreatedAt || (f.CreatedAt == cursor.CreatedAt && string.Compare(f.Id, after) < 0));
        }
        q = ascending ? q.OrderBy(f => f.CreatedAt).ThenBy(f => f.Id) : q.OrderByDescending(f => f.CreatedAt).ThenByDescending(f => f.Id);
        var page = await q.Take(limit + 1).ToListAsync(ct);
        var hasMore = page.Count > limit;
        if (hasMore) page.RemoveAt(limit);
        return (page, hasMore);
    }

    /// <summary>The file's bytes to stream out, or null when it is not this organisation's or its bytes are gone.</summary>
    public async Task<(BatchFile File, Stream Content)?> OpenAsync(string id, CancellationToken ct = default)
    {
        if (await GetAsync(id, ct) is not { } file || !store.Exists(id)) return null;
        try { return (file, store.OpenRead(id)); }
        catch (FileNotFoundException) { return null; }
    }

    /// <summary>Deletes the bytes and marks the row. The input of a batch still running cannot be deleted.</summary>
    public async Task<BatchFile> DeleteAsync(string id, CancellationToken ct = default)
    {
        await tenant.RequireRoleAsync(dbFactory, TenantRole.Member, "upload or delete files", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var file = await db.BatchFiles.FirstOrDefaultAsync(f => f.Id == id && f.DeletedAt == null, ct) ?? throw BatchException.FileNotFound(id);
        if (await db.Batches.AnyAsync(b => b.InputFileId == id && BatchService.RunningStatuses.Contains(b.Status), ct))
            throw new BatchException(409, $"File {id} is the input of a batch that is still running: cancel the batch or wait for it to finish.",
                "file_id", "file_in_use");
        file.DeletedAt = time.GetUtcNow().UtcDateTime;
        audit.Add(db, "file.deleted", "File", file.Id, file.Filename, tenant.TenantId);
        await db.SaveChangesAsync(ct);
        store.Delete(id);
        return file;
    }
}
