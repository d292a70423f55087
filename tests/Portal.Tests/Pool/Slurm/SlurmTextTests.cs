using System.Diagnostics;
using Portal.Core.Catalog;
using Portal.Core.Pool;
using Portal.Core.Pool.Slurm;

namespace Portal.Tests.Pool.Slurm;

/// <summary>The Slurm driver's readers on outputs captured from Slurm 22.05 (no cluster needed).</summary>
public sealed class SlurmTextTests
{
    private const string Node =
        "NodeName=gpu02 Arch=x86_64 CoresPerSocket=1  CPUAlloc=0 CPUEfctv=16 CPUTot=16 Gres=gpu:8 NodeAddr=127.0.0.1 " +
        "OS=Linux 6.18.44-fc-v1300 #1 SMP PREEMPT_DYNAMIC @0  RealMemory=64000 State=IDLE+DRAIN ThreadsPerCore=1 Partitions=gpu  " +
        "CfgTRES=cpu=16,mem=62.50G,billing=16 Reason=portal: maintenance [root@2026-12-07T13:00:15]";

    private const string Job =
        "JobId=2 JobName=t2 UserId=nobody(65534) GroupId=nogroup(65534) Account=tenant-a JobState=RUNNING Reason=None ExitCode=0:0 " +
        "StartTime=2026-12-07T12:57:52 EndTime=2026-12-07T12:58:52 Partition=gpu AllocNode:Sid=localhost:24779 ReqNodeList=gpu01 " +
        "NodeList=gpu01 BatchHost=gpu01 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1,billing=1 JOB_GRES=gpu:2   Nodes=gpu01 CPU_IDs=0 Mem=0 " +
        "GRES=gpu:2(IDX:0-1) Reservation=lease-test WorkDir=/tmp/jobs/t2/work StdOut=/tmp/jobs/t2/log/stdout";

    [Fact]
    public void A_node_line_keeps_values_with_spaces_and_maps_a_portal_maintenance_drain()
    {
        var node = SlurmNodes.ToNode(SlurmText.ParseRecord(Node));

        Assert.Equal(("gpu02", 8, "IDLE+DRAIN", NodeState.Maintenance), (node.Name, node.Gpus, node.State, node.PortalState));
        Assert.Equal("portal: maintenance [root@2026-12-07T13:00:15]", node.Reason);
        Assert.Equal("Linux 6.18.44-fc-v1300 #1 SMP PREEMPT_DYNAMIC @0", SlurmText.ParseRecord(Node)["OS"]);
    }

    [Theory]
    [InlineData("IDLE", null, NodeState.Ready)]
    [InlineData("MIXED", null, NodeState.Ready)]
    [InlineData("ALLOCATED", null, NodeState.Ready)]
    [InlineData("IDLE+NOT_RESPONDING", null, NodeState.Ready)] // every RESUME leaves it so for a second
    [InlineData("MIXED+DRAIN", "portal: drain", NodeState.Draining)]
    [InlineData("IDLE+DRAIN", "an admin's reason", NodeState.Failed)] // drained outside the portal: it runs none of the lease's jobs
    [InlineData("MIXED+DRAIN", "Kill task failed [root@2026-12-07T15:38:06]", NodeState.Failed)]
    [InlineData("IDLE+DRAIN", null, NodeState.Failed)]
    [InlineData("IDLE+DRAIN", "portal: maintenance", NodeState.Maintenance)]
    [InlineData("DOWN+NOT_RESPONDING", null, NodeState.Failed)]
    [InlineData("DOWN", "portal: failed", NodeState.Failed)]
    [InlineData("IDLE+FAIL", null, NodeState.Failed)]
    public void Slurm_node_states_map_to_the_portals(string state, string? reason, NodeState expected) =>
        Assert.Equal(expected, SlurmNodes.Map(state, reason));

    [Fact]
    public void A_job_line_gives_its_reservation_account_node_and_gpu_indexes()
    {
        var job = SlurmJob.ParseAll(Job + "\n").Single();

        Assert.Equal(("2", "t2", "RUNNING", "lease-test", "tenant-a", "gpu01", "gpu"),
            (job.Id, job.Name, job.State, job.Reservation, job.Account, job.Node, job.Partition));
        Assert.Equal([0, 1], job.GpuIndexes);
        Assert.Equal((0, 0), (job.ExitCode, job.Signal));
        Assert.Equal(new DateTime(2026, 12, 7, 12, 57, 52, DateTimeKind.Utc), job.Start);
        Assert.Null(job.Reason);
        Assert.Empty(SlurmJob.ParseAll("No jobs in the system\n"));
    }

    [Fact]
    public void Hostlists_and_gres_indexes_expand()
    {
        Assert.Equal(["gpu01", "gpu02", "gpu03", "gpu05", "login1"], SlurmText.ExpandHostList("gpu[01-03,05],login1"));
        Assert.Empty(SlurmText.ExpandHostList("(null)"));
        Assert.Equal([0, 2, 3, 7], SlurmText.GpuIndexes("gpu:h100:4(IDX:0,2-3,7)"));
        Assert.Equal(8, SlurmText.GpuCount("gpu:h100:8(S:0-1)"));
        Assert.Equal(0, SlurmText.GpuCount("(null)"));
    }

    [Theory]
    [InlineData("PENDING", PoolTaskState.Starting)]
    [InlineData("CONFIGURING", PoolTaskState.Starting)]
    [InlineData("RUNNING", PoolTaskState.Running)]
    [InlineData("COMPLETING", PoolTaskState.Running)]
    [InlineData("COMPLETED", PoolTaskState.Succeeded)]
    [InlineData("FAILED", PoolTaskState.Failed)]
    [InlineData("OUT_OF_MEMORY", PoolTaskState.Failed)]
    [InlineData("TIMEOUT", PoolTaskState.TimedOut)]
    [InlineData("DEADLINE", PoolTaskState.TimedOut)]
    [InlineData("CANCELLED", PoolTaskState.Cancelled)]
    [InlineData("RESV_DEL_HOLD", PoolTaskState.Cancelled)]
    [InlineData("NODE_FAIL", PoolTaskState.NodeFailed)]
    [InlineData("PREEMPTED", PoolTaskState.NodeFailed)]
    [InlineData("REQUEUED", PoolTaskState.NodeFailed)]
    public void Slurm_job_states_map_to_task_states(string state, PoolTaskState expected) =>
        Assert.Equal(expected, SlurmTaskStatuses.Map(state));

    [Fact]
    public void A_reservation_line_gives_its_nodes_window_and_account()
    {
        var r = SlurmReservation.ParseAll(
            "ReservationName=lease-x StartTime=2026-12-07T12:57:18 EndTime=2026-12-07T13:57:18 Duration=01:00:00 Nodes=gpu[01,04] " +
            "NodeCnt=2 CoreCnt=32 Features=(null) PartitionName=(null) Flags=SPEC_NODES TRES=cpu=32 Users=(null) Accounts=tenant-a State=ACTIVE\n").Single();

        Assert.Equal(("lease-x", "tenant-a", "ACTIVE"), (r.Name, r.Accounts, r.State));
        Assert.Equal(["gpu01", "gpu04"], r.Nodes);
        Assert.Equal(new DateTime(2026, 12, 7, 13, 57, 18, DateTimeKind.Utc), r.End);
        Assert.Empty(SlurmReservation.ParseAll("No reservations in the system\n"));
    }

    [Fact]
    public void The_job_environment_reaches_bash_exactly_with_commas_spaces_quotes_and_dollars()
    {
        var root = Directory.CreateTempSubdirectory("slurm-folder-").FullName;
        try
        {
            var value = "a, b \"c\" 'd' $HOME `x` \\n ; e=f";
            var spec = new PoolTaskSpec("t-env", "gpu01", Guid.NewGuid(), 1, "true\n", new Dictionary<string, string> { ["TRICKY"] = value }, [], 0);
            var folder = new SlurmJobFolder(root, spec.TaskId);
            folder.Write(spec, "tenant-a");

            var bash = Process.Start(new ProcessStartInfo("bash", ["-c", $". {SlurmJobFolder.Quote(folder.EnvFile)}; printf %s \"$TRICKY\""])
                { RedirectStandardOutput = true })!;
            var printed = bash.StandardOutput.ReadToEnd();
            bash.WaitForExit();

            Assert.Equal(value, printed);
            Assert.True(File.Exists(Path.Combine(folder.Work, "job.sh")));
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
