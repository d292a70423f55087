using System.Diagnostics;

namespace GpuPool.Simulator.Tasks;

/// <summary>A task the pool knows, in memory: its persisted record, its folder, and its samples so far.</summary>
public sealed class TaskEntry(TaskFolder folder, TaskRecord record, List<GpuSample> samples)
{
    public TaskFolder Folder { get; } = folder;
    public TaskRecord Record { get; } = record;
    public List<GpuSample> Samples { get; } = samples;

    /// <summary>The wrapper when this pool process started it (kept so the runtime reaps it); null after a re-attach.</summary>
    public Process? Process { get; set; }

    // An ended task's log sizes, looked up once: the pool's task list is read often and keeps every task it ran.
    private (long Stdout, long Stderr)? endedSizes;

    public TaskView View()
    {
        var (stdout, stderr) = Record.IsFinal
            ? endedSizes ??= (Folder.Size(Folder.Stdout), Folder.Size(Folder.Stderr))
            : (Folder.Size(Folder.Stdout), Folder.Size(Folder.Stderr));
        return new(Record.TaskId, Record.NodeId, Record.ReservationId, Record.State, Record.GpuIndexes, Record.ExitCode,
            Record.StartedAt, Record.EndedAt, Record.Reason, stdout, stderr, Record.Samples);
    }

    public void Save() => Folder.Save(Record);
}
