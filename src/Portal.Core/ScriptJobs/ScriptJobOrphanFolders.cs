using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Job folders that no job row names. A launch moves its staged input files into the job's folder just before its rows
/// commit (<see cref="ScriptJobLaunching"/>): a failed commit deletes the folder again, but a process that dies between
/// the move and the commit cannot, and leaves the folder behind. Such a folder is deleted once it is older than a
/// launch can take (<see cref="ScriptJobFiles.StaleStaging"/>), so a launch in flight is never touched. Run by
/// <see cref="PurgeScriptJobOutputJob"/>; idempotent.
/// </summary>
public sealed class ScriptJobOrphanFolders(IDbContextFactory<PortalDbContext> dbFactory, ScriptJobFiles files, ScriptJobLogStore store)
{
    private const int Batch = 500;

    /// <summary>Deletes the orphan job folders; returns how many.</summary>
    public async Task<int> DeleteAsync(CancellationToken ct = default)
    {
        if (!Directory.Exists(files.Root)) return 0;
        var before = DateTime.UtcNow - ScriptJobFiles.StaleStaging; // file times are the machine's clock, not the portal's
        var old = Directory.EnumerateDirectories(files.Root)
            .Select(dir => (Dir: dir, Id: Guid.TryParse(Path.GetFileName(dir), out var id) ? id : Guid.Empty))
            .Where(f => f.Id != Guid.Empty && Directory.GetLastWriteTimeUtc(f.Dir) < before) // not .staging, nor anything else
            .ToList();
        var deleted = 0;
        foreach (var chunk in old.Chunk(Batch))
        {
            var ids = chunk.Select(f => f.Id).ToList();
            HashSet<Guid> known;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
                known = [.. await db.ScriptJobs.IgnoreQueryFilters().Where(j => ids.Contains(j.Id)).Select(j => j.Id).ToListAsync(ct)];
            foreach (var (dir, id) in chunk.Where(f => !known.Contains(f.Id)))
            {
                using (await store.LockAsync(id, ct)) ScriptJobFiles.Discard(dir);
                deleted++;
            }
        }
        return deleted;
    }
}
