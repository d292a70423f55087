using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Batches;
using Portal.Core.Leases;
using Portal.Tests.Batches;
using Portal.Tests.ScriptJobs;
using Xunit.Abstractions;

namespace Portal.Tests.ScaleOut;

/// <summary>
/// Issue 17, scale-out: the built portal runs as one web and two worker processes on one PostgreSQL and one simulated
/// pool. The test signs a lease through the web process's API and SIGKILLs the worker that is provisioning it (the pool
/// has taken the GPUs, the worker still waits for its answer); a fresh worker takes its place. Meanwhile it creates an inference
/// batch through the API and SIGKILLs the worker running it halfway. The survivors finish both: the lease is Active once,
/// with each allocation reserved once on the pool; every batch line is in the output exactly once.
/// </summary>
public sealed class ScaleOutKillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Lines = 300;
    /// <summary>Generous: three cold starts on a busy two-core machine; nothing here is a timed assertion.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    private readonly List<PortalProcess> processes = [];
    private ScaleOutFactory? factory; // only on PostgreSQL
    private ScaleOutFactory Factory => factory ?? throw new InvalidOperationException("The scale-out test runs on PostgreSQL only.");

    public async Task InitializeAsync()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("PORTAL_TEST_POSTGRES"))) return; // skipped: see PostgresFact
        factory = new ScaleOutFactory();
        await factory.InitializeAsync();
    }

    [PostgresFact]
    public async Task Killed_workers_leave_the_lease_active_once_and_every_batch_line_in_the_output_once()
    {
        var begun = DateTime.UtcNow;
        var web = Start("web");
        var workers = new List<PortalProcess> { Start("worker"), Start("worker") };
        var webUrl = await ReadyAsync(web);
        foreach (var worker in workers) await AssertWorkerOnlyAsync(await ReadyAsync(worker));
        var (tenantId, secret) = await Factory.OrganisationWithKeyAsync();
        using var api = new HttpClient { BaseAddress = webUrl, Timeout = Patience };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        output.WriteLine($"{DateTime.UtcNow - begun:mm\\:ss} web {web.Id} and workers {string.Join(", ", workers.Select(w => w.Id))} ready");

        // (a) A lease of two nodes, signed on the web process; the worker provisioning it dies while the pool provisions.
        var leaseId = await SignLeaseAsync(api);
        var allocations = await Factory.ReadAsync(db => db.Allocations.Where(a => a.LeaseId == leaseId && a.Status == AllocationStatus.Firm)
            .Select(a => a.Id.ToString()).ToListAsync());
        var provisioner = await UntilAsync("a worker provisions the lease and the pool has taken its GPUs", workers, async () =>
            await Factory.ProcessRunningAsync(nameof(ProvisionLeaseJob), leaseId.ToString()) is { } pid
            && (await Factory.PoolReservationsAsync()).Any(r => allocations.Contains(r.AllocationId)) ? workers.Single(w => w.Id == pid) : null);
        var recordedBeforeKill = await Factory.ReadAsync(db => db.Allocations.CountAsync(a => a.LeaseId == leaseId && a.ReservedAt != null));
        await provisioner.KillAsync();
        var killedAt = DateTime.UtcNow;
        var leaseStateAtKill = await Factory.ReadAsync(db => db.Leases.Where(l => l.Id == leaseId).Select(l => l.State).SingleAsync());
        Assert.True(leaseStateAtKill == LeaseState.Provisioning && recordedBeforeKill < allocations.Count,
            $"The kill came too late to prove anything: the lease was {leaseStateAtKill} with {recordedBeforeKill} of {allocations.Count} " +
            "reservations recorded.");
        workers.Remove(provisioner);
        workers.Add(Start("worker")); // the deployment's two workers again, while the survivor takes the lease over
        output.WriteLine($"{DateTime.UtcNow - begun:mm\\:ss} killed worker {provisioner.Id} while it provisioned lease {leaseId}");

        // (b) While the lease is taken over (one wait for both): a batch created on the web process; its runner dies halfway.
        var batchId = await CreateBatchAsync(api);
        var runner = await UntilAsync("a worker runs the batch and has checkpointed some lines", workers, async () =>
            await Factory.ProcessRunningAsync(nameof(RunBatchJob), batchId) is { } pid && await DoneAsync(batchId) >= 30
                ? workers.Single(w => w.Id == pid) : null);
        await runner.KillAsync();
        var doneAtKill = await DoneAsync(batchId);
        Assert.True(doneAtKill < Lines, $"The batch finished ({doneAtKill} lines) before its runner was killed.");
        workers.Remove(runner);
        output.WriteLine($"{DateTime.UtcNow - begun:mm\\:ss} killed worker {runner.Id} running batch {batchId} at {doneAtKill} lines");

        await UntilAsync("the lease is Active", workers, async () =>
            await Factory.ReadAsync(db => db.Leases.AnyAsync(l => l.Id == leaseId && l.State == LeaseState.Active)) ? true : (bool?)null);
        await AssertActiveOnceAsync(tenantId, leaseId, allocations, killedAt);
        output.WriteLine($"{DateTime.UtcNow - begun:mm\\:ss} lease Active once, {allocations.Count} allocations reserved once; " +
            string.Join("; ", await Factory.JobHistoryAsync(nameof(ProvisionLeaseJob), leaseId.ToString())));

        var batch = await UntilAsync("the batch is completed", workers, async () =>
            await Factory.ReadAsync(db => db.Batches.AsNoTracking().SingleAsync(b => b.Id == batchId)) is { } b && b.IsFinished ? b : null);
        Assert.True(batch.Status == BatchStatus.Completed, $"The batch ended {batch.Status}.");
        await AssertEachLineOnceAsync(api, batch);
        output.WriteLine($"{DateTime.UtcNow - begun:mm\\:ss} batch completed, {Lines} lines each once; " +
            string.Join("; ", await Factory.JobHistoryAsync(nameof(RunBatchJob), batchId)));
    }

    private PortalProcess Start(string role)
    {
        var process = PortalProcess.Start(Factory.ProcessSettings(role));
        processes.Add(process);
        return process;
    }

    /// <summary>The process's address once Kestrel listens and /healthz answers 200.</summary>
    private async Task<Uri> ReadyAsync(PortalProcess process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return await UntilAsync("the process answers /healthz", [process], async () =>
        {
            if (Regex.Match(process.Tail(400), @"Now listening on: (http://\S+)") is not { Success: true } m) return null;
            var url = new Uri(m.Groups[1].Value.TrimEnd('/') + "/");
            try { return (await http.GetAsync(new Uri(url, "healthz"))).StatusCode == HttpStatusCode.OK ? url : null; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return null; } // not yet, or too busy to answer
        });
    }

    private static async Task AssertWorkerOnlyAsync(Uri worker)
    {
        using var http = new HttpClient { BaseAddress = worker };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/v1/leases")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/")).StatusCode);
    }

    private static async Task<Guid> SignLeaseAsync(HttpClient api)
    {
        var quote = await api.PostAsJsonAsync("/api/v1/leases/quote",
            new { region = "us-east-2", sku = "h100-sxm-80gb", gpus = 16, start = "now", hours = 2 });
        Assert.True(quote.StatusCode == HttpStatusCode.Created, $"Quote: {(int)quote.StatusCode} {await quote.Content.ReadAsStringAsync()}");
        var id = (await quote.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var sign = await api.PostAsJsonAsync($"/api/v1/leases/{id}/sign", new { signerName = "Ada Lovelace", accept = true });
        Assert.True(sign.IsSuccessStatusCode, $"Sign: {(int)sign.StatusCode} {await sign.Content.ReadAsStringAsync()}");
        return id;
    }

    private async Task AssertActiveOnceAsync(Guid tenantId, Guid leaseId, List<string> allocations, DateTime killedAt)
    {
        var events = await Factory.ReadAsync(db => db.LeaseEvents.Where(e => e.LeaseId == leaseId).Select(e => e.Message).ToListAsync());
        Assert.Single(events, e => e.StartsWith("Active", StringComparison.Ordinal));
        // The organisation's only lease: each member told once that it is active.
        var notices = await Factory.ReadAsync(db => db.Notifications.IgnoreQueryFilters()
            .Where(n => n.TenantId == tenantId && n.Kind == "lease.active").Select(n => n.UserId).ToListAsync());
        Assert.NotEmpty(notices);
        Assert.Equal(notices.Distinct().Count(), notices.Count);
        var reserved = await Factory.ReadAsync(db => db.Allocations.Where(a => a.LeaseId == leaseId && a.Status == AllocationStatus.Firm)
            .Select(a => new { Id = a.Id.ToString(), a.NodeId, a.Gpus, a.ReservedAt }).ToListAsync());
        Assert.All(reserved, a => Assert.NotNull(a.ReservedAt));
        // The pool's own view: exactly the lease's allocations on its nodes, each once with its GPUs, made before the kill
        // (the survivor asked again and got the same reservation), and nothing else on those nodes.
        var nodes = reserved.Select(a => a.NodeId).ToHashSet();
        var pool = (await Factory.PoolReservationsAsync()).Where(r => nodes.Contains(r.NodeId)).ToList();
        Assert.Equal(reserved.Select(a => (a.Id, a.NodeId, a.Gpus)).Order(), pool.Select(r => (r.AllocationId, r.NodeId, r.Gpus)).Order());
        Assert.All(pool, r => Assert.True(r.CreatedAt < killedAt, $"Reservation {r.AllocationId} was made again after the kill."));
        Assert.Equal(allocations.Order(), reserved.Select(a => a.Id).Order());
    }

    private static async Task<string> CreateBatchAsync(HttpClient api)
    {
        var jsonl = string.Concat(Enumerable.Range(1, Lines).Select(i => BatchLines.ChatLine($"line-{i}", $"Count to {i}.") + "\n"));
        using var form = new MultipartFormDataContent
        {
            { new StringContent("batch"), "purpose" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(jsonl)), "file", "scale-out.jsonl" },
        };
        var upload = await api.PostAsync("/v1/files", form);
        Assert.True(upload.IsSuccessStatusCode, $"Upload: {(int)upload.StatusCode} {await upload.Content.ReadAsStringAsync()}");
        var fileId = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var create = await api.PostAsJsonAsync("/v1/batches",
            new Dictionary<string, string?> { ["input_file_id"] = fileId, ["endpoint"] = "/v1/chat/completions", ["completion_window"] = "24h" });
        Assert.True(create.IsSuccessStatusCode, $"Create batch: {(int)create.StatusCode} {await create.Content.ReadAsStringAsync()}");
        return (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private Task<int> DoneAsync(string batchId) => Factory.ReadAsync(db =>
        db.BatchCheckpoints.Where(c => c.BatchId == batchId).Select(c => c.Completed + c.Failed).FirstOrDefaultAsync());

    /// <summary>The output as the user downloads it from the web process: every custom_id once, and no error file.</summary>
    private static async Task AssertEachLineOnceAsync(HttpClient api, Batch batch)
    {
        Assert.Null(batch.ErrorFileId);
        var text = await api.GetStringAsync($"/v1/files/{batch.OutputFileId}/content");
        var ids = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("custom_id").GetString()).ToList();
        var doubled = ids.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(doubled.Count == 0, $"In the output more than once: {string.Join(", ", doubled.Take(10))}");
        Assert.Equal(Enumerable.Range(1, Lines).Select(i => $"line-{i}").Order(), ids.Order());
    }

    /// <summary>Polls until <paramref name="found"/> gives a value; fails with what it waited for and the processes' last words.</summary>
    private async Task<T> UntilAsync<T>(string what, IReadOnlyCollection<PortalProcess> watched, Func<Task<T?>> found)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (await found() is { } value) return value;
            if (watched.FirstOrDefault(p => p.HasExited) is { } dead)
                throw new InvalidOperationException($"Process {dead.Id} exited while waiting until {what}:\n{dead.Tail()}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Not within {Patience}: {what}.\n{string.Join("\n---\n", watched.Select(p => $"process {p.Id}:\n{p.Tail(30)}"))}");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var process in processes) process.Dispose();
        if (factory is null) return;
        await ((IAsyncLifetime)factory).DisposeAsync();
        factory.DeleteFolder();
    }
}
