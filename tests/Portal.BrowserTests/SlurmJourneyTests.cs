using System.Text.RegularExpressions;

namespace Portal.BrowserTests;

/// <summary>
/// Issue 15's browser journey on a region that runs on a real Slurm cluster: quote and sign a whole node, the lease's
/// reservation appears in Slurm for the tenant's account, a job launched from the lease page runs as a Slurm batch job in
/// it and its log streams until it succeeds; released early, the lease ends and its reservation is gone from Slurm.
/// Runs only in the Slurm phase of scripts/test.sh (PORTAL_TEST_SLURM names the cluster).
/// </summary>
[Collection(PortalInChromiumCollection.Name)]
[Trait("Pool", "Slurm")]
public sealed class SlurmJourneyTests(PortalInChromium portal)
{
    private const int Lines = 12;

    [Fact]
    public async Task Owner_leases_a_whole_slurm_node_runs_a_job_in_its_reservation_and_releases_it()
    {
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("slurm-journey");
        var journey = new PortalJourney(page, screenshots);
        var leases = new LeaseJourney(page, screenshots);
        var jobs = new ScriptJobJourney(page, screenshots);
        var id = PortalJourney.NewId();
        var email = $"slurm-{id}@example.com";

        await screenshots.RecordAsync(page, async () =>
        {
            await journey.RegisterAsync(email);
            await journey.ConfirmThroughOutboxAsync(email);
            await journey.SignInAsync(email, PortalJourney.Password);
            await journey.CreateOrganizationAsync($"Slurm Labs {id}", $"slurm-labs-{id}");

            // One whole node (8 H100s) for 2 hours from now, in the region on Slurm.
            await leases.OpenEmptyLeasesAsync();
            await leases.FillNewLeaseAsync("H100 SXM 80 GB", SlurmRegion.Id, gpus: 8, hours: 2, expectedTotal: "$39.84");
            var leaseId = await leases.QuoteAndHoldAsync("$39.84");
            await leases.SignAsync(leaseId, $"Grace Hopper {id}");
            await leases.ExpectActiveWithoutReloadAsync();

            var reservation = await ReservationAsync(leaseId);
            Assert.NotNull(reservation);
            Assert.Matches(@"Accounts=tenant-[0-9a-f]{32}\b", reservation);
            Assert.Matches(@"Nodes=gpu0[1-4]\b", reservation);

            // A job on 2 of the node's GPUs: Slurm runs it in the lease's reservation; its lines arrive live.
            await jobs.ExpectNoJobsYetAsync();
            await jobs.OpenLaunchFormAsync(leaseId);
            await jobs.FillLaunchFormAsync("count on slurm",
                $"echo \"reservation $SLURM_JOB_RESERVATION gpus $CUDA_VISIBLE_DEVICES\"; for i in $(seq 1 {Lines}); do echo \"line $i\"; sleep 1; done",
                gpusPerTask: 2, screenshot: "launch-form");
            var jobId = await jobs.LaunchAsync("count on slurm");
            var log = page.GetByTestId("job-log");
            var state = page.GetByTestId("job-state").First;
            await Expect(state).ToHaveAttributeAsync("data-state", "Running", new() { Timeout = 90_000 });
            await Expect(log).ToContainTextAsync("line 1", new() { Timeout = 90_000 });
            await screenshots.TakeAsync(page, "job-running");
            await Expect(log).ToContainTextAsync($"line {Lines}", new() { Timeout = 90_000 });
            await Expect(state).ToHaveAttributeAsync("data-state", "Succeeded", new() { Timeout = 90_000 });
            await Expect(log).ToContainTextAsync($"reservation lease-{leaseId:N} gpus ");
            var shown = Regex.Matches(await log.InnerTextAsync(), @"^line (\d+)$", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value));
            Assert.Equal(Enumerable.Range(1, Lines), shown);
            // The GPU indexes Slurm gave the job are on the job page.
            await Expect(page.GetByTestId("job-tasks")).ToContainTextAsync(new Regex(@"2 \(\d+,\s?\d+\)"));
            await screenshots.TakeAsync(page, "job-succeeded");

            // Released early: the lease ends and Slurm no longer holds its reservation.
            await page.GotoAsync($"/leases/{leaseId}");
            await leases.ReleaseEarlyAsync();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await ReservationAsync(leaseId) is not null && DateTime.UtcNow < deadline) await Task.Delay(500);
            Assert.Null(await ReservationAsync(leaseId));
            Assert.NotEqual(Guid.Empty, jobId);
        });
    }

    /// <summary>The lease's reservation as <c>scontrol show res -o</c> prints it; null when Slurm has none.</summary>
    private static async Task<string?> ReservationAsync(Guid leaseId) =>
        (await SlurmRegion.ScontrolAsync("show", "res", "-o")).Split('\n')
        .FirstOrDefault(line => line.Contains($"ReservationName=lease-{leaseId:N} "));
}
