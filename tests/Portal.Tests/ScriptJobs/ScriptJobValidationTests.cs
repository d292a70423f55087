using Portal.Core.Refusals;
using Portal.Core.ScriptJobs;

namespace Portal.Tests.ScriptJobs;

/// <summary>Every rule of a launch request refuses with a message that names the field, and creates nothing: no job, no file.</summary>
public class ScriptJobValidationTests(ScriptJobFactory factory) : IClassFixture<ScriptJobFactory>
{
    private readonly ScriptJobKit kit = new(factory);

    private static ScriptJobRequest R => ScriptJobKit.Request();
    private static readonly JobInputFile Data = new("data.csv", [1, 2, 3]);
    private static JobVariable Var(string name, string value = "v") => new(name, value);

    public static TheoryData<string, ScriptJobRequest, string, string> Cases => new()
    {
        { "empty name", R with { Name = "  " }, "Name", "Name the job" },
        { "long name", R with { Name = new string('n', 101) }, "Name", "at most 100" },
        { "empty script", R with { Script = " \n " }, "Script", "The script is empty" },
        // 524,289 two-byte characters: under 1 M characters, over 1 MB in UTF-8.
        { "script over 1 MB", R with { Script = new string('é', 512 * 1024 + 1) }, "Script", "at most 1 MB" },
        { "no GPU", R with { GpusPerTask = 0 }, "GpusPerTask", "at least 1 GPU" },
        { "more GPUs than leased", R with { GpusPerTask = 9 }, "GpusPerTask", "At most 8 GPUs per task: this lease holds 8 GPUs" },
        { "no task", R with { Tasks = 0 }, "Tasks", "between 1 and 1000" },
        { "too many tasks", R with { Tasks = 1001 }, "Tasks", "between 1 and 1000" },
        { "name starting with a digit", R with { Variables = [Var("1ABC")] }, "Variables", "\"1ABC\" is not a variable name" },
        { "name with a dash", R with { Variables = [Var("MY-VAR")] }, "Variables", "\"MY-VAR\" is not a variable name" },
        { "reserved PORTAL_ name", R with { Variables = [Var("PORTAL_TASK_INDEX")] }, "Variables", "PORTAL_TASK_INDEX is set by the pool" },
        { "reserved CUDA name", R with { Variables = [Var("CUDA_VISIBLE_DEVICES", "0,1,2,3")] }, "Variables", "CUDA_VISIBLE_DEVICES is set by the pool" },
        { "reserved PATH", R with { Variables = [Var("PATH", "/tmp")] }, "Variables", "PATH is set by the pool" },
        { "duplicate variable", R with { Variables = [Var("SEED"), new("SEED", "x", true)] }, "Variables", "SEED is set twice" },
        { "value over 32 KB", R with { Variables = [Var("BIG", new string('x', 32 * 1024 + 1))] }, "Variables", "The value of BIG is over 32 KB" },
        { "too many variables", R with { Variables = [.. Enumerable.Range(0, 101).Select(i => Var($"V{i}"))] }, "Variables", "At most 100 variables" },
        { "empty variable (a JSON null)", R with { Variables = [null!] }, "Variables", "A variable is empty" },
        { "empty file (a JSON null)", R with { Files = [null!] }, "Files", "An input file is empty" },
        { "zero time limit", R with { TimeLimitMinutes = 0 }, "TimeLimitMinutes", "at least 1 minute" },
        { "file in a folder", R with { Files = [Data, new("sub/x.txt", [1])] }, "Files", "\"sub/x.txt\" is not a plain file name" },
        { "file climbing out", R with { Files = [new("../../etc/passwd", [1])] }, "Files", "is not a plain file name" },
        { "file with a backslash", R with { Files = [new("a\\b", [1])] }, "Files", "is not a plain file name" },
        { "hidden file", R with { Files = [new(".bashrc", [1])] }, "Files", "\".bashrc\" is not a plain file name" },
        { "dot dot", R with { Files = [new("..", [1])] }, "Files", "is not a plain file name" },
        { "duplicate file", R with { Files = [Data, Data] }, "Files", "Two input files are named data.csv" },
        { "files over 50 MB", R with { Files = [Data, new("big.bin", new byte[50 * 1024 * 1024 - 2])] }, "Files", "at most 50 MB" },
        { "negative retries", R with { Retries = -1 }, "Retries", "between 0 and 10" },
        { "too many retries", R with { Retries = 11 }, "Retries", "between 0 and 10" },
        { "retry on success", R with { Retries = 2, RetryExitCodes = [0] }, "RetryExitCodes", "between 1 and 255" },
        { "retry on 256", R with { Retries = 2, RetryExitCodes = [1, 256] }, "RetryExitCodes", "between 1 and 255" },
        { "priority too high", R with { Priority = 101 }, "Priority", "between -100 and 100" },
        { "priority too low", R with { Priority = -101 }, "Priority", "between -100 and 100" },
        { "unknown profile", R with { Profile = "turbo" }, "Profile", "Unknown profile \"turbo\"" },
        { "long idempotency key", R with { IdempotencyKey = new string('k', 101) }, "IdempotencyKey", "at most 100 characters" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_request_is_refused_on_its_field_and_creates_nothing(string _, ScriptJobRequest request, string field, string message)
    {
        var (tenantId, ownerId, lease) = await factory.OnceAsync("lease", () => kit.ActiveLeaseAsync());
        var filesBefore = kit.FilesOnDisk().Count;

        var refused = await Assert.ThrowsAsync<FieldsRefusedException>(() => kit.LaunchAsync(tenantId, ownerId, lease.Id, request));

        Assert.Equal(400, refused.Status);
        Assert.True(refused.Errors.ContainsKey(field), $"No error on {field}: {string.Join("; ", refused.Errors)}");
        Assert.Contains(message, refused.Errors[field]);
        Assert.Empty(await kit.JobsAsync(lease.Id));
        Assert.Equal(filesBefore, kit.FilesOnDisk().Count);
        Assert.DoesNotContain(kit.FilesOnDisk(), f => f.Contains(".staging"));
    }

    [Fact]
    public async Task A_task_gets_at_most_one_node_of_a_lease_spread_over_several()
    {
        // 8 L40S GPUs are two whole 4-GPU nodes: the pool runs a task on one of them.
        var (tenantId, ownerId, lease) = await kit.ActiveLeaseAsync(8, "l40s-48gb");
        Assert.All(lease.Allocations, a => Assert.Equal(4, a.Gpus));

        var refused = await Assert.ThrowsAsync<FieldsRefusedException>(() =>
            kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request(gpus: 5)));

        Assert.Contains("At most 4 GPUs per task: this lease holds at most 4 GPUs on one node", refused.Errors["GpusPerTask"]);
        var job = await kit.LaunchAsync(tenantId, ownerId, lease.Id, ScriptJobKit.Request(gpus: 4) with { Tasks = 2 });
        Assert.Equal(4, job.GpusPerTask);
    }

    [Fact]
    public async Task Several_bad_fields_are_all_named_at_once()
    {
        var (tenantId, ownerId, lease) = await factory.OnceAsync("lease", () => kit.ActiveLeaseAsync());

        var refused = await Assert.ThrowsAsync<FieldsRefusedException>(() => kit.LaunchAsync(tenantId, ownerId, lease.Id,
            R with { Name = "", Script = "", GpusPerTask = 0, TimeLimitMinutes = 100_000 }));

        Assert.Equal(["GpusPerTask", "Name", "Script", "TimeLimitMinutes"], refused.Errors.Keys.Order());
        Assert.Contains(lease.End.ToString("yyyy-MM-dd HH:mm"), refused.Errors["TimeLimitMinutes"]);
    }
}
