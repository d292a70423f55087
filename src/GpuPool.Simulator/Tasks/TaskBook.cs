using GpuPool.Simulator.Nodes;

namespace GpuPool.Simulator.Tasks;

public enum SubmitStatus { Started, Existing, NoReservation, NodeNotReady, InsufficientGpus }

public enum ForgetStatus { Forgotten, Unknown, StillRunning }

public sealed record SubmitOutcome(SubmitStatus Status, TaskView? Task = null, string? Detail = null);

/// <summary>
/// Every task the pool knows (one lock guards them): admission onto a reservation's free GPU indexes, cancel, and
/// stopping tasks when their node fails or their reservation is released. At start it re-attaches to the tasks that a
/// previous pool process left in the task root; <see cref="TaskWatcher"/> follows the running ones.
/// </summary>
public sealed class TaskBook
{
    readonly Lock _gate = new();
    readonly Dictionary<string, TaskEntry> _tasks = new(StringComparer.Ordinal);
    readonly NodePool _nodes;
    readonly SimulatorOptions _options;
    readonly TaskExits? _exits;

    public TaskBook(SimulatorOptions options, NodePool nodes, TaskExits? exits = null)
    {
        _exits = exits;
        _options = options;
        _nodes = nodes;
        Directory.CreateDirectory(options.TaskRoot);
        ForgottenTaskFolders.DeleteLeftovers(options.TaskRoot);
        foreach (var folder in TaskFolder.All(options.TaskRoot))
        {
            // A folder the pool cannot read is skipped, not a pool (and portal) that fails to start.
            try { Reattach(folder); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        nodes.NodeFailed += StopOnFailedNode;
        // A node that is Failed when this pool starts takes down the tasks re-attached on it.
        foreach (var node in nodes.List().Where(n => n.State == NodeState.Failed)) StopOnFailedNode(node.Id);
        nodes.ReservationReleased += (node, reservation) => StopWhere(
            t => t.NodeId == node && string.Equals(t.ReservationId, reservation, StringComparison.OrdinalIgnoreCase),
            TaskState.Cancelled, "reservation released", options.TaskStopGrace);
    }

    public SubmitOutcome Submit(TaskSubmission submission)
    {
        TaskEntry entry;
        lock (_gate)
        {
            if (_tasks.TryGetValue(submission.TaskId, out var existing)) return new(SubmitStatus.Existing, existing.View());
            var node = _nodes.Find(submission.NodeId);
            var reservation = node?.Reservations.FirstOrDefault(r =>
                string.Equals(r.AllocationId, submission.ReservationId, StringComparison.OrdinalIgnoreCase));
            if (node is null || reservation is null)
                return new(SubmitStatus.NoReservation, Detail: $"No reservation {submission.ReservationId} on node {submission.NodeId}.");
            if (node.State != NodeState.Ready) return new(SubmitStatus.NodeNotReady, Detail: $"Node {node.Id} is {node.State}.");
            var busy = _tasks.Values.Where(t => !t.Record.IsFinal && t.Record.NodeId == node.Id
                && string.Equals(t.Record.ReservationId, reservation.AllocationId, StringComparison.OrdinalIgnoreCase))
                .SelectMany(t => t.Record.GpuIndexes).ToHashSet();
            var free = reservation.GpuIndexes.Where(i => !busy.Contains(i)).ToArray();
            if (free.Length < submission.Gpus)
                return new(SubmitStatus.InsufficientGpus,
                    Detail: $"Reservation {reservation.AllocationId} has {free.Length} of its {reservation.Gpus} GPUs free, {submission.Gpus} asked.");

            var record = new TaskRecord
            {
                TaskId = submission.TaskId, NodeId = node.Id, ReservationId = reservation.AllocationId, Sku = node.Sku,
                Profile = submission.Profile, GpuIndexes = free[..submission.Gpus], TimeLimitSeconds = submission.TimeLimitSeconds,
                State = TaskState.Starting,
            };
            entry = new TaskEntry(new TaskFolder(_options.TaskRoot, submission.TaskId), record, []);
            Directory.CreateDirectory(entry.Folder.Path);
            entry.Save();
            _tasks[record.TaskId] = entry;
        }
        return new(SubmitStatus.Started, Launch(entry, submission.Inputs));
    }

    /// <summary>Writes the folder and starts the process outside the lock (input files may be tens of MB).</summary>
    TaskView Launch(TaskEntry entry, TaskInputs inputs)
    {
        try
        {
            var (process, pid, ticks) = TaskLauncher.Start(entry.Folder, entry.Record, inputs);
            if (_exits is { } exits)
            {
                // The watcher looks at once when the wrapper exits (it has written the exit code by then).
                process.EnableRaisingEvents = true;
                process.Exited += (_, _) => exits.Poke();
                if (process.HasExited) exits.Poke();
            }
            lock (_gate)
            {
                (entry.Process, entry.Record.Pid, entry.Record.PidStartTicks) = (process, pid, ticks);
                entry.Record.State = TaskState.Running;
                entry.Record.StartedAt = DateTime.UtcNow;
                entry.Save();
                // Cancelled (or its node failed) while the folder was being prepared.
                if (entry.Record.Verdict is not null) TaskProcesses.SignalGroup(pid, entry.Record.KillAt is null ? TaskProcesses.SigKill
                    : TaskProcesses.SigTerm);
                return entry.View();
            }
        }
        catch (Exception e)
        {
            // Whatever went wrong, the task must not stay Starting and hold its GPUs.
            lock (_gate)
            {
                TaskWatcher.End(entry, entry.Record.Verdict ?? TaskState.Failed, null, $"The pool could not start the task: {e.Message}");
                return entry.View();
            }
        }
    }

    public TaskView? Find(string taskId)
    {
        lock (_gate) return _tasks.TryGetValue(taskId, out var entry) ? entry.View() : null;
    }

    /// <summary>Every task it keeps, or with <paramref name="openOnly"/> those not yet ended (ended ones stay until forgotten).</summary>
    public TaskView[] List(bool openOnly = false)
    {
        lock (_gate) return [.. _tasks.Values.Where(t => !openOnly || !t.Record.IsFinal)
            .OrderBy(t => t.Record.StartedAt ?? DateTime.MaxValue).ThenBy(t => t.Record.TaskId).Select(t => t.View())];
    }

    /// <summary>SIGTERM now, SIGKILL after the grace; idempotent (a second cancel may only shorten the grace). Null if unknown.</summary>
    public TaskView? Cancel(string taskId, TimeSpan grace)
    {
        lock (_gate)
        {
            if (!_tasks.TryGetValue(taskId, out var entry)) return null;
            // Ended on its own before the cancel came: it keeps its true outcome (the watcher records it next).
            if (entry.Folder.ReadExitCode() is null) Stop(entry, TaskState.Cancelled, "cancelled", grace);
            return entry.View();
        }
    }

    /// <summary>
    /// Deletes an ended task: its folder (working directory, logs, samples, record) and what the pool holds of it in memory,
    /// so that nothing of it is listed or re-attached again. Refused while it runs (nothing deleted). Idempotent: an unknown
    /// task is answered as such, after deleting whatever folder a previous, interrupted delete left.
    /// </summary>
    public ForgetStatus Forget(string taskId)
    {
        if (!TaskSubmission.IsValidId(taskId)) return ForgetStatus.Unknown; // never a path outside the task root
        TaskEntry? entry;
        string? aside;
        lock (_gate)
        {
            if (_tasks.TryGetValue(taskId, out entry) && !entry.Record.IsFinal) return ForgetStatus.StillRunning;
            _tasks.Remove(taskId);
            aside = ForgottenTaskFolders.SetAside(_options.TaskRoot, taskId);
        }
        ForgottenTaskFolders.Delete(aside);
        return entry is null ? ForgetStatus.Unknown : ForgetStatus.Forgotten;
    }

    /// <summary>A task's samples after <paramref name="after"/> (all when null), oldest first; null if unknown.</summary>
    public GpuSample[]? Samples(string taskId, DateTime? after)
    {
        lock (_gate)
            return _tasks.TryGetValue(taskId, out var entry) ? [.. entry.Samples.Where(s => after is null || s.At > after)] : null;
    }

    /// <summary>
    /// Bytes of stdout or stderr from an offset, to be streamed rather than loaded: the log opened there (null when nothing
    /// was written), how many bytes to send, and whether the task ended with nothing after them. Null if the task is unknown.
    /// </summary>
    public (FileStream? File, int Count, bool Complete)? OpenLog(string taskId, string stream, long offset, int max)
    {
        TaskEntry? entry;
        bool ended;
        lock (_gate)
        {
            if (!_tasks.TryGetValue(taskId, out entry)) return null;
            ended = entry.Record.IsFinal; // before the size: an ended task's logs do not grow
        }
        FileStream? file = null;
        try { file = new FileStream(entry.Folder.LogFile(stream), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { }
        var size = file?.Length ?? 0;
        var count = (int)Math.Clamp(size - offset, 0, max);
        if (file is not null) file.Position = Math.Min(offset, size);
        return (file, count, ended && offset + count >= size);
    }

    /// <summary>The watcher's pass over the running tasks, under the lock.</summary>
    public void Watch(Action<TaskEntry> step)
    {
        lock (_gate)
            foreach (var entry in _tasks.Values.Where(t => t.Record.State == TaskState.Running).ToList()) step(entry);
    }

    /// <summary>Starts stopping a task: SIGTERM now (SIGKILL when no grace), SIGKILL at the deadline. The verdict is its final state.</summary>
    public static void Stop(TaskEntry entry, TaskState verdict, string reason, TimeSpan grace, int? exitCode = null)
    {
        var record = entry.Record;
        if (record.IsFinal) return;
        var now = DateTime.UtcNow;
        if (record.Verdict is null) (record.Verdict, record.VerdictReason, record.VerdictExitCode) = (verdict, reason, exitCode);
        else if (record.KillAt is null || record.KillAt <= now + grace) return;
        record.KillAt = grace > TimeSpan.Zero ? now + grace : null;
        TaskProcesses.SignalGroup(record.Pid, grace > TimeSpan.Zero ? TaskProcesses.SigTerm : TaskProcesses.SigKill);
        entry.Save();
    }

    void StopOnFailedNode(string node) => StopWhere(t => t.NodeId == node, TaskState.NodeFailed, $"Node {node} failed.", TimeSpan.Zero);

    void StopWhere(Func<TaskRecord, bool> matches, TaskState verdict, string reason, TimeSpan grace)
    {
        lock (_gate)
            foreach (var entry in _tasks.Values.Where(t => !t.Record.IsFinal && matches(t.Record))) Stop(entry, verdict, reason, grace);
    }

    void Reattach(TaskFolder folder)
    {
        if (folder.Load() is not { } record || record.TaskId != Path.GetFileName(folder.Path)) return;
        var entry = new TaskEntry(folder, record, folder.ReadSamples());
        // Stopped while its folder was being written: no process was started.
        if (record.State == TaskState.Starting) TaskWatcher.End(entry, TaskState.Failed, null, "The pool stopped while preparing the task.");
        _tasks[record.TaskId] = entry;
    }
}
