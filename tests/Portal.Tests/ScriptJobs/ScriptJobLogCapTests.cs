using Portal.Core.ScriptJobs;
using static Portal.Core.Pool.PoolLogStream;

namespace Portal.Tests.ScriptJobs;

/// <summary>A job's logs are capped over all its tasks and both streams; the cut says so, once, where it happened.</summary>
public sealed class ScriptJobLogCapTests(SmallLogCapFactory portal) : IClassFixture<SmallLogCapFactory>
{
    [Fact]
    public async Task The_cap_cuts_the_jobs_logs_at_the_limit_with_a_note_and_marks_the_job_truncated()
    {
        var (tenantId, ownerId) = await portal.NewTenantAsync();
        var job = await portal.NewJobAsync(tenantId, ownerId, tasks: 2);
        var (a, b) = (job.Tasks[0], job.Tasks[1]);
        var line = new string('x', 99) + "\n"; // 100 bytes
        portal.Output.Write(a.PoolTaskId!, Stdout, string.Concat(Enumerable.Repeat(line, 4)));
        portal.Output.Write(a.PoolTaskId!, Stderr, string.Concat(Enumerable.Repeat(line, 2)));
        portal.Output.Write(b.PoolTaskId!, Stdout, string.Concat(Enumerable.Repeat(line, 7)));

        await portal.CollectAsync(a.Id);
        Assert.False((await portal.JobAsync(job.Id)).LogTruncated); // 600 of 1000 bytes
        await portal.CollectAsync(b.Id);

        // Task b gets the 400 bytes left, then the note on a line of its own.
        var note = "[portal] log cut at 1000 bytes (the job's cap); the rest was not kept\n";
        Assert.Equal(string.Concat(Enumerable.Repeat(line, 4)) + note, portal.KeptText(job.Id, 1, Stdout));
        var cut = await portal.JobAsync(job.Id);
        Assert.True(cut.LogTruncated);
        Assert.Equal(1000 + note.Length, cut.LogBytes);

        // Nothing more is kept, from any task or stream.
        portal.Output.Write(a.PoolTaskId!, Stdout, line);
        portal.Output.Write(b.PoolTaskId!, Stderr, line);
        await portal.CollectAsync(a.Id);
        await portal.CollectAsync(b.Id);
        Assert.Equal(400, portal.Kept(job.Id, 0, Stdout).Length);
        Assert.Empty(portal.Kept(job.Id, 1, Stderr));
        Assert.Equal(1000 + note.Length, (await portal.JobAsync(job.Id)).LogBytes);

        // A reader is told the log was cut, and a finished task's cut log is complete.
        await portal.UpdateTaskAsync(b.Id, t => ScriptJobStateMachine.Move(t, ScriptJobState.Succeeded, null, portal.Now));
        await using var member = await portal.As(tenantId, ownerId);
        var read = await member.Get<ScriptJobLogs>().ReadAsync(job.Id, 1, Stdout, 0, 1 << 20);
        Assert.NotNull(read);
        Assert.True(read.Truncated);
        Assert.True(read.Complete);
        Assert.EndsWith(note, System.Text.Encoding.UTF8.GetString(read.Data));
    }

    [Fact]
    public void The_note_names_the_default_cap_in_megabytes()
    {
        Assert.Equal("[portal] log cut at 100 MB (the job's cap); the rest was not kept\n", ScriptJobLogNotes.Cut(100L * 1024 * 1024));
    }
}
