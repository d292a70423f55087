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

    public TaskView View() => new(
        Record.TaskId, Record.NodeId, Record.ReservationId, Record.State, Record.GpuIndexes, Record.ExitCode,
        Record.StartedAt, Record.EndedAt, Record.Reason, Folder.Size(Folder.Stdout), Folder.Size(Folder.Stderr));

    public void Save() => Folder.Save(Record);
}
