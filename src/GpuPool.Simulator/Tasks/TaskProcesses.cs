using System.Runtime.InteropServices;

namespace GpuPool.Simulator.Tasks;

/// <summary>
/// The Linux process facts the pool needs: is a recorded wrapper still that process (/proc), and signals to a task's
/// whole process group (the wrapper is a session leader, so its pid is the group id).
/// </summary>
public static class TaskProcesses
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Signals every process of the group; a group that is already gone is not an error.</summary>
    public static void SignalGroup(int pid, int signal)
    {
        if (pid > 1) Kill(-pid, signal);
    }

    /// <summary>True while the group still has a member (signal 0 checks without sending).</summary>
    public static bool GroupAlive(int pid) => pid > 1 && Kill(-pid, 0) == 0;

    /// <summary>The process's start time in clock ticks since boot (field 22 of /proc/pid/stat); null when gone or a zombie.</summary>
    public static long? StartTicks(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        // The command name (field 2) may hold spaces and parentheses: the fields after it start after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        if (fields[0] == "Z" || fields[0] == "X") return null;
        return long.TryParse(fields[19], out var ticks) ? ticks : null;
    }

    /// <summary>The recorded wrapper still runs (same pid, same start time: not a reused pid).</summary>
    public static bool IsAlive(int pid, long startTicks) => pid > 1 && StartTicks(pid) == startTicks;

    /// <summary>
    /// The unprivileged user tasks run as when the pool runs as root ("nobody"), else null (run as the pool's user). Also
    /// null when that user could not reach the task root (a parent folder closed to others, like a 0700 temp folder).
    /// </summary>
    public static (int Uid, int Gid)? UnprivilegedUser(string taskRoot)
    {
        if (!Environment.IsPrivilegedProcess || !File.Exists("/etc/passwd") || !File.Exists("/usr/bin/setpriv")) return null;
        if (OperatingSystem.IsWindows() || !OthersCanTraverse(taskRoot)) return null;
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var parts = line.Split(':');
            if (parts.Length > 3 && parts[0] == "nobody" && int.TryParse(parts[2], out var uid) && int.TryParse(parts[3], out var gid))
                return (uid, gid);
        }
        return null;
    }

    static bool OthersCanTraverse(string folder)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(folder)); dir is not null; dir = dir.Parent)
            if (dir.Exists && !dir.UnixFileMode.HasFlag(UnixFileMode.OtherExecute)) return false;
        return true;
    }
}
