namespace GpuPool.Simulator.Tasks;

/// <summary>
/// Follows the running tasks every <see cref="SimulatorOptions.TaskPollInterval"/>, and at once when a task's process exits
/// (<see cref="TaskExits"/>): records how they ended (the
/// wrapper's exit code file, or the process gone), enforces time limits from the recorded start and SIGKILL deadlines,
/// and samples their GPUs every <see cref="SimulatorOptions.MetricsInterval"/>. Everything it needs is in the task's
/// folder, so it works the same for tasks a previous pool process started.
/// </summary>
public sealed class TaskWatcher(TaskBook book, TaskChanges changes, TaskExits exits, SimulatorOptions options, ILogger<TaskWatcher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            book.Watch(entry =>
            {
                var was = entry.Record.State;
                try { Step(entry); }
                catch (Exception e)
                {
                    // One task's trouble must not stop the others, nor end the watcher (a failed background service stops its host).
                    logger.LogWarning(e, "Watching task {TaskId} failed; trying again", entry.Record.TaskId);
                }
                if (entry.Record.State != was) changes.Bump(); // wakes whoever long-polls the pool (the portal's supervisor)
            });
            try { await exits.WaitAsync(options.TaskPollInterval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    static bool EndedWithExitCode(TaskEntry entry)
    {
        if (entry.Folder.ReadExitCode() is not { } code) return false;
        var record = entry.Record;
        End(entry, record.Verdict ?? (code == 0 ? TaskState.Succeeded : TaskState.Failed), code,
            record.VerdictReason ?? (code == 0 ? null : $"Exited with code {code}"));
        return true;
    }

    void Step(TaskEntry entry)
    {
        var record = entry.Record;
        var now = DateTime.UtcNow;
        if (EndedWithExitCode(entry)) return;
        if (!TaskProcesses.IsAlive(record.Pid, record.PidStartTicks))
        {
            // The wrapper records its code and exits: between our first look and this one it may have done both.
            if (EndedWithExitCode(entry)) return;
            End(entry, record.Verdict ?? TaskState.Failed, record.VerdictExitCode,
                record.VerdictReason ?? "The task's process ended without recording an exit code.");
            return;
        }
        if (record.KillAt is { } killAt && now >= killAt)
        {
            TaskProcesses.SignalGroup(record.Pid, TaskProcesses.SigKill);
            record.KillAt = null;
            entry.Save();
        }
        if (record.Verdict is null && record.TimeLimitSeconds > 0 && now >= record.StartedAt!.Value.AddSeconds(record.TimeLimitSeconds))
            TaskBook.Stop(entry, TaskState.TimedOut, $"Exceeded its time limit of {record.TimeLimitSeconds} s.", options.TaskStopGrace);
        if (record.Verdict is null && now >= record.StartedAt!.Value + options.MetricsInterval * (record.Samples + 1))
            Sample(entry, now);
    }

    void Sample(TaskEntry entry, DateTime now)
    {
        var record = entry.Record;
        var (samples, outOfMemory) = TaskMetrics.Take(record, record.Samples, now);
        entry.Folder.AppendSamples(samples);
        entry.Samples.AddRange(samples);
        TaskMetrics.WriteReadings(entry.Folder, record, samples);
        // One sample per interval even after a pause (a restarted pool): no burst of made-up catch-up samples.
        record.Samples = Math.Max(record.Samples + 1, (int)((now - record.StartedAt!.Value) / options.MetricsInterval));
        entry.Save();
        if (!outOfMemory) return;
        var gpu = samples.First(s => s.FbUsedMiB >= TaskMetrics.MemoryMiB(record.Sku)).GpuIndex;
        var gib = TaskMetrics.MemoryMiB(record.Sku) / 1024;
        File.AppendAllText(entry.Folder.Stderr,
            $"torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU {gpu} has a total capacity of {gib:0} GiB "
                + "of which 0 bytes is free.\n");
        TaskBook.Stop(entry, TaskState.Failed, $"CUDA out of memory on GPU {gpu} ({gib:0} GB).", TimeSpan.Zero, exitCode: 1);
    }

    /// <summary>Records a task's final state, and kills whatever its script left running in its process group.</summary>
    public static void End(TaskEntry entry, TaskState state, int? exitCode, string? reason)
    {
        var record = entry.Record;
        (record.State, record.ExitCode, record.Reason) = (state, exitCode, reason);
        record.EndedAt = DateTime.UtcNow;
        record.KillAt = null;
        if (record.Pid > 1 && TaskProcesses.GroupAlive(record.Pid)) TaskProcesses.SignalGroup(record.Pid, TaskProcesses.SigKill);
        entry.Save();
        entry.Process?.Dispose();
        entry.Process = null;
    }
}
