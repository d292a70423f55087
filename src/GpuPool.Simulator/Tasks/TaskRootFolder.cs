namespace GpuPool.Simulator.Tasks;

/// <summary>Where a simulator keeps its tasks and reservations.</summary>
public static class TaskRootFolder
{
    /// <summary>
    /// The configured folder (made absolute), or a fresh temporary one: an in-process simulator nobody gave a folder must
    /// not pick up another instance's reservations. Opened to others so that tasks run as "nobody" can reach their folder.
    /// </summary>
    public static string Resolve(string configured)
    {
        var root = configured is { Length: > 0 }
            ? Path.GetFullPath(configured)
            : Path.Combine(Path.GetTempPath(), "gpupool-tasks-" + Guid.NewGuid().ToString("N")[..12]);
        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(root);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        return root;
    }
}
