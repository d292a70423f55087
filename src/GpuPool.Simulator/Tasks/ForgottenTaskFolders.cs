namespace GpuPool.Simulator.Tasks;

/// <summary>
/// Deleting an ended task's folder (<see cref="TaskBook.Forget"/>): renamed aside first, which is quick and done under the
/// book's lock (a submit of the same id again finds no folder), then deleted outside it (a working directory may hold
/// gigabytes). A pool stopped in the middle finishes the deletion at its next start; the name never looks like a task's.
/// </summary>
public static class ForgottenTaskFolders
{
    const string Prefix = ".forgotten-";

    /// <summary>Renames the task's folder aside; returns the new path, or null when there was no folder.</summary>
    public static string? SetAside(string root, string taskId)
    {
        var folder = Path.Combine(root, taskId);
        if (!Directory.Exists(folder)) return null;
        var aside = Path.Combine(root, Prefix + taskId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.Move(folder, aside);
        return aside;
    }

    public static void Delete(string? aside)
    {
        if (aside is not null) Directory.Delete(aside, recursive: true);
    }

    /// <summary>At start: the folders a previous pool process set aside but did not finish deleting.</summary>
    public static void DeleteLeftovers(string root)
    {
        foreach (var dir in Directory.EnumerateDirectories(root, Prefix + "*"))
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // tried again at the next start
        }
    }
}
