using Portal.Core.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>The queue inside a lease as pure logic: order, priority, strict head of line, best fit, sweeps, wait texts.</summary>
public class ScriptJobPlacementTests
{
    private static readonly LeaseReservation NodeA = new(Guid.NewGuid(), "node-a", 8);
    private static readonly LeaseReservation NodeB = new(Guid.NewGuid(), "node-b", 4);

    private static QueuedJob Job(int gpus, int tasks = 1, int priority = 0, long sequence = 1, string? avoid = null) =>
        new(Guid.NewGuid(), priority, sequence, gpus,
            Enumerable.Range(0, tasks).Select(i => new QueuedTask(Guid.NewGuid(), i, avoid)).ToList());

    [Fact]
    public void Jobs_start_in_submission_order_and_a_higher_priority_goes_first()
    {
        var first = Job(4, sequence: 1);
        var second = Job(4, sequence: 2);
        var urgent = Job(4, priority: 5, sequence: 3);
        var placed = ScriptJobPlacement.Place([NodeA], [], [second, urgent, first]);
        Assert.Equal([urgent.JobId, first.JobId], placed.Select(p => p.JobId));
    }

    [Fact]
    public void When_the_head_job_does_not_fit_nothing_behind_it_starts()
    {
        var big = Job(8, sequence: 1);
        var small = Job(1, sequence: 2);
        // 6 of node A's 8 GPUs are busy: the big job waits, and the small one waits behind it though 2 GPUs are free.
        var placed = ScriptJobPlacement.Place([NodeA], [new RunningTask(NodeA.Id, 6)], [small, big]);
        Assert.Empty(placed);
        var waits = ScriptJobPlacement.Waits([NodeA], [new RunningTask(NodeA.Id, 6)], [small, big]);
        Assert.Equal("waiting for 8 GPUs; 2 free in this lease; 1st in line", waits[big.JobId].Text);
        Assert.Equal("waiting for 1 GPU; 2 free in this lease; 2nd in line", waits[small.JobId].Text);
        Assert.Equal(2, waits[small.JobId].Position);
    }

    [Fact]
    public void A_task_takes_the_reservation_that_fits_it_most_tightly()
    {
        var job = Job(4);
        var placed = Assert.Single(ScriptJobPlacement.Place([NodeA, NodeB], [], [job]));
        Assert.Equal(NodeB.Id, placed.Reservation.Id); // node A's 8 stay whole for an 8-GPU task
    }

    [Fact]
    public void A_sweep_starts_task_by_task_as_gpus_free_and_never_over_a_reservation()
    {
        var sweep = Job(3, tasks: 5);
        var placed = ScriptJobPlacement.Place([NodeA, NodeB], [], [sweep]);
        // 8 + 4 GPUs hold three 3-GPU tasks (two on A, one on B); the other two wait.
        Assert.Equal([0, 1, 2], placed.Select(p => sweep.Tasks.Single(t => t.TaskId == p.TaskId).Index));
        Assert.Equal(2, placed.Count(p => p.Reservation.Id == NodeA.Id));
        Assert.Equal(1, placed.Count(p => p.Reservation.Id == NodeB.Id));

        // One task ends on B: the next one starts there; nothing more fits.
        var left = sweep with { Tasks = sweep.Tasks.Skip(3).ToList() };
        var running = new[] { new RunningTask(NodeA.Id, 3), new RunningTask(NodeA.Id, 3) };
        var next = Assert.Single(ScriptJobPlacement.Place([NodeA, NodeB], running, [left]));
        Assert.Equal(NodeB.Id, next.Reservation.Id);
        Assert.Equal(3, left.Tasks.Single(t => t.TaskId == next.TaskId).Index);
    }

    [Fact]
    public void Never_more_gpus_than_each_reservation_holds_whatever_is_queued()
    {
        var random = new Random(14);
        for (var round = 0; round < 200; round++)
        {
            var reservations = Enumerable.Range(0, random.Next(1, 4)).Select(i => new LeaseReservation(Guid.NewGuid(), $"n{i}", random.Next(1, 9))).ToList();
            var running = reservations.Select(r => new RunningTask(r.Id, random.Next(0, r.Gpus + 1))).ToList();
            var queued = Enumerable.Range(0, random.Next(1, 8)).Select(i => Job(random.Next(1, 9), random.Next(1, 4), random.Next(0, 2), i)).ToList();
            var placed = ScriptJobPlacement.Place(reservations, running, queued);
            foreach (var r in reservations)
            {
                var gpus = running.Where(t => t.ReservationId == r.Id).Sum(t => t.Gpus)
                           + placed.Where(p => p.Reservation.Id == r.Id).Sum(p => queued.Single(j => j.JobId == p.JobId).GpusPerTask);
                Assert.True(gpus <= r.Gpus, $"round {round}: {gpus} GPUs on a reservation of {r.Gpus}");
            }
            Assert.All(placed, p => Assert.Contains(p.Reservation, reservations)); // only the lease's own reservations
        }
    }

    [Fact]
    public void Running_tasks_of_reservations_the_lease_no_longer_holds_free_nothing_it_holds()
    {
        var elsewhere = new RunningTask(Guid.NewGuid(), 8);
        var placed = ScriptJobPlacement.Place([NodeB], [elsewhere, new RunningTask(NodeB.Id, 4)], [Job(1)]);
        Assert.Empty(placed);
    }

    [Fact]
    public void A_retry_runs_elsewhere_when_another_reservation_fits_and_on_the_same_node_when_none_does()
    {
        var retry = Job(4, avoid: "node-b");
        Assert.Equal(NodeA.Id, Assert.Single(ScriptJobPlacement.Place([NodeA, NodeB], [], [retry])).Reservation.Id);
        Assert.Equal(NodeB.Id, Assert.Single(ScriptJobPlacement.Place([NodeB], [], [retry])).Reservation.Id);
    }

    [Fact]
    public void Gpus_free_in_all_but_not_on_one_node_are_said_so()
    {
        var job = Job(4);
        var running = new[] { new RunningTask(NodeA.Id, 6), new RunningTask(NodeB.Id, 2) };
        Assert.Empty(ScriptJobPlacement.Place([NodeA, NodeB], running, [job]));
        Assert.Equal("waiting for 4 GPUs; 4 free in this lease, at most 2 on one node; 1st in line",
            ScriptJobPlacement.Waits([NodeA, NodeB], running, [job])[job.JobId].Text);
    }

    [Fact]
    public void The_live_reservations_are_the_allocations_the_pool_holds_for_the_lease_now()
    {
        var now = new DateTime(2027, 3, 1, 12, 30, 0, DateTimeKind.Utc);
        var lease = new Portal.Core.Leases.Lease
        {
            RegionId = "r", SkuId = "s", Gpus = 12, Start = now.AddHours(-2), End = now.AddHours(2), State = Portal.Core.Leases.LeaseState.Active,
        };
        Portal.Core.Leases.Allocation A(string node, int gpus, DateTime start, DateTime end, bool reserved = true, bool released = false) => new()
        {
            LeaseId = lease.Id, NodeId = node, RegionId = "r", SkuId = "s", Gpus = gpus, Start = start, End = end,
            Status = Portal.Core.Leases.AllocationStatus.Firm, ReservedAt = reserved ? start : null, PoolReleasedAt = released ? now : null,
        };
        var first = A("n1", 8, lease.Start, now.AddHours(-1));          // its window passed, but an extension continues it
        var extension = A("n1", 8, now.AddHours(-1), lease.End, reserved: false); // keeps the first reservation
        var given = A("n2", 4, lease.Start, now.AddHours(-1), released: true);   // given back to the pool
        var replacement = A("n3", 4, now.AddHours(-1), lease.End);
        lease.Allocations.AddRange([first, extension, given, replacement]);
        Assert.Equal([(first.Id, 8), (replacement.Id, 4)],
            ScriptJobPlacement.LiveReservations(lease, now).Select(r => (r.Id, r.Gpus)));
    }

    [Theory]
    [InlineData(1, "1st"), InlineData(2, "2nd"), InlineData(3, "3rd"), InlineData(4, "4th"), InlineData(11, "11th"), InlineData(12, "12th"),
     InlineData(13, "13th"), InlineData(21, "21st"), InlineData(22, "22nd"), InlineData(23, "23rd"), InlineData(101, "101st"),
     InlineData(111, "111th"), InlineData(112, "112th")]
    public void Ordinals_read_right(int n, string expected) => Assert.Equal(expected, ScriptJobPlacement.Ordinal(n));

    [Fact]
    public void The_wait_text_names_the_gpus_the_free_ones_and_the_place_in_line()
    {
        Assert.Equal("waiting for 4 GPUs; 2 free in this lease; 3rd in line", ScriptJobPlacement.WaitText(4, 2, 2, 3));
        Assert.Equal("waiting for the lease to start at 2027-03-01 14:00 UTC",
            ScriptJobPlacement.WaitForStart(new DateTime(2027, 3, 1, 14, 0, 0, DateTimeKind.Utc)));
    }
}
