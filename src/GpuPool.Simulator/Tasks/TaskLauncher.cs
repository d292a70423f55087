using System.Diagnostics;

namespace GpuPool.Simulator.Tasks;

/// <summary>What a task needs to start beyond its record: the script, its environment and its input files.</summary>
public sealed record TaskInputs(string Script, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<(string Name, byte[] Content)> Files);

/// <summary>
/// Prepares a task's folder and starts it as a real process: bash runs job.sh through a small wrapper in its own
/// session (setsid), so stopping the pool (or the portal hosting it) never stops the task, and the wrapper writes the
/// exit code to a file that a later pool process reads. As root, the job runs as "nobody" (not a sandbox: a dev pool).
/// </summary>
public static class TaskLauncher
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static (Process Process, int Pid, long StartTicks) Start(TaskFolder folder, TaskRecord record, TaskInputs inputs)
    {
        Directory.CreateDirectory(folder.Work);
        Directory.CreateDirectory(folder.Bin);
        foreach (var (name, content) in inputs.Files) File.WriteAllBytes(Path.Combine(folder.Work, name), content);
        File.WriteAllText(Path.Combine(folder.Work, "job.sh"), inputs.Script);
        File.WriteAllText(folder.Stdout, "");
        File.WriteAllText(folder.Stderr, "");
        TaskMetrics.WriteReadings(folder, record, TaskMetrics.Idle(record));
        WriteExecutable(Path.Combine(folder.Bin, "nvidia-smi"), NvidiaSmiStandIn.Script(folder, record));
        var user = TaskProcesses.UnprivilegedUser(Path.GetDirectoryName(folder.Path)!);
        WriteExecutable(folder.Wrapper, WrapperScript(folder, user));

        var start = new ProcessStartInfo("/usr/bin/setsid")
        {
            ArgumentList = { "/bin/bash", folder.Wrapper },
            WorkingDirectory = folder.Path,
            UseShellExecute = false,
            // Redirected and closed at once: the wrapper points its own streams at /dev/null first thing, and must not
            // hold the pool's stdout open (a test runner would wait for it).
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Only what the portal passed plus the pool's own variables: never the pool process's environment (its secrets).
        start.Environment.Clear();
        foreach (var (key, value) in inputs.Environment) start.Environment[key] = value;
        start.Environment["PATH"] = folder.Bin + ":" + (inputs.Environment.TryGetValue("PATH", out var path) ? path : DefaultPath);
        start.Environment["HOME"] = folder.Work;
        start.Environment["LANG"] = "C.UTF-8";
        start.Environment["CUDA_VISIBLE_DEVICES"] = string.Join(',', record.GpuIndexes);

        var process = Process.Start(start)!;
        process.StandardInput.Close();
        process.StandardOutput.Close();
        process.StandardError.Close();
        return (process, process.Id, TaskProcesses.StartTicks(process.Id) ?? 0);
    }

    static string WrapperScript(TaskFolder folder, (int Uid, int Gid)? user)
    {
        var runAs = user is { } u ? $"/usr/bin/setpriv --reuid={u.Uid} --regid={u.Gid} --clear-groups -- " : "";
        var chown = user is { } o ? $"chown -R {o.Uid}:{o.Gid} {Quote(folder.Work)}" : "";
        var exit = Quote(folder.ExitCodeFile);
        var exitTemp = Quote(folder.ExitCodeFile + ".tmp");
        return $"""
            #!/bin/bash
            # Written by the GPU pool simulator: runs job.sh, then records its exit code for whichever pool process is watching.
            exec </dev/null >/dev/null 2>&1
            # A handler (not an ignore, which job.sh would inherit): on SIGTERM the wrapper waits for job.sh, then records its code.
            trap 'true' TERM INT HUP
            cd {Quote(folder.Work)} || exit 1
            {chown}
            {runAs}/bin/bash ./job.sh >>{Quote(folder.Stdout)} 2>>{Quote(folder.Stderr)}
            code=$?
            printf '%s\n' "$code" > {exitTemp} && mv {exitTemp} {exit}

            """;
    }

    static void WriteExecutable(string file, string text)
    {
        File.WriteAllText(file, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    /// <summary>A single-quoted shell word.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
