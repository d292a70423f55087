using System.Net;

namespace GpuPool.Simulator.Tests.Tasks;

/// <summary>A task is a real process: its output, exit code, environment and user are the script's own.</summary>
public class TaskRunTests
{
    [Fact]
    public async Task A_script_runs_and_its_stdout_stderr_and_exit_code_come_back()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 2);

        await pool.StartAsync("ok-1", "echo hello from the task\necho a warning >&2\n");
        await pool.StartAsync("fails-1", "echo partial\nexit 3\n");
        var ok = await pool.WaitEndedAsync("ok-1");
        var failed = await pool.WaitEndedAsync("fails-1");

        Assert.Equal("Succeeded", (string)ok["state"]!);
        Assert.Equal(0, (int)ok["exitCode"]!);
        Assert.Equal("hello from the task\n", await pool.LogAsync("ok-1", "stdout"));
        Assert.Equal("a warning\n", await pool.LogAsync("ok-1", "stderr"));
        Assert.Equal(20, (long)ok["stdoutBytes"]!);
        Assert.Equal("Failed", (string)failed["state"]!);
        Assert.Equal(3, (int)failed["exitCode"]!);
        Assert.Equal("Exited with code 3", (string)failed["reason"]!);
        Assert.NotNull(failed["endedAt"]);
    }

    [Fact]
    public async Task Submitting_the_same_task_id_twice_runs_one_process()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 2);
        var script = $"echo run >> {pool.Shared}/runs.txt\nsleep 1\n";

        var first = await pool.SubmitAsync("once-1", script);
        var second = await pool.SubmitAsync("once-1", script);
        await pool.WaitEndedAsync("once-1");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(["run"], await File.ReadAllLinesAsync(Path.Combine(pool.Shared, "runs.txt")));
        Assert.Single((await pool.Sim.GetJsonAsync("pool/tasks")).AsArray());
    }

    [Fact]
    public async Task The_environment_is_the_portals_plus_the_pools_own_and_nothing_of_the_pool_process()
    {
        Environment.SetEnvironmentVariable("POOL_PROCESS_SECRET", "must-not-leak");
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 2);

        await pool.StartAsync("env-1", "echo \"index=$PORTAL_TASK_INDEX secret=$POOL_PROCESS_SECRET home=$HOME\"\ncat input.txt\n",
            environment: new() { ["PORTAL_TASK_INDEX"] = "4" });
        var files = new object[] { new { name = "input.txt", contentBase64 = Convert.ToBase64String("data in the folder\n"u8.ToArray()) } };
        (await pool.SubmitAsync("env-2", "cat input.txt\n", files: files)).EnsureSuccessStatusCode();
        await pool.WaitEndedAsync("env-1");
        await pool.WaitEndedAsync("env-2");

        var line = (await pool.LogAsync("env-1", "stdout")).Split('\n')[0];
        Assert.Equal($"index=4 secret= home={Path.Combine(pool.Root, "env-1", "work")}", line);
        Assert.Equal("data in the folder\n", await pool.LogAsync("env-2", "stdout"));
    }

    [Fact]
    public async Task As_root_the_task_runs_as_nobody()
    {
        if (!Environment.IsPrivilegedProcess) return; // Not root: the task runs as the current user, nothing to tell apart.
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 1);

        await pool.StartAsync("user-1", "id -un\ntouch /root/written-by-a-task 2>/dev/null && echo wrote || echo refused\n");
        await pool.WaitEndedAsync("user-1");

        Assert.Equal("nobody\nrefused\n", await pool.LogAsync("user-1", "stdout"));
    }

    [Fact]
    public async Task The_nvidia_smi_stand_in_reports_the_sku_and_the_tasks_gpus()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 2);

        await pool.StartAsync("smi-1", "nvidia-smi\nnvidia-smi -L\n", gpus: 2);
        await pool.WaitEndedAsync("smi-1");

        var output = await pool.LogAsync("smi-1", "stdout");
        Assert.Contains("sku h100-sxm-80gb", output);
        Assert.Contains("GPU 0: NVIDIA H100-SXM-80GB", output);
        Assert.Contains("GPU 1: NVIDIA H100-SXM-80GB", output);
        Assert.DoesNotContain("GPU 2:", output);
        Assert.Contains("81920MiB", output);
    }

    [Fact]
    public async Task Reading_a_log_from_an_offset_returns_exactly_the_rest()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 1);
        await pool.StartAsync("log-1", "for i in $(seq 1 20000); do echo \"line $i\"; done\n");
        await pool.WaitEndedAsync("log-1");
        var whole = await pool.LogAsync("log-1", "stdout");

        var rest = await pool.Http.GetAsync("pool/tasks/log-1/logs/stdout?offset=12345");
        var part = await pool.Http.GetAsync("pool/tasks/log-1/logs/stdout?offset=100&max=50");

        Assert.Equal(whole[12345..], await rest.Content.ReadAsStringAsync());
        Assert.Equal("12345", rest.Headers.GetValues("X-Log-Offset").Single());
        Assert.Equal("true", rest.Headers.GetValues("X-Log-Complete").Single());
        Assert.Equal(whole.Substring(100, 50), await part.Content.ReadAsStringAsync());
        Assert.Equal("false", part.Headers.GetValues("X-Log-Complete").Single());
    }

    [Fact]
    public async Task A_task_runs_in_its_own_session_so_signals_to_the_pools_process_group_do_not_reach_it()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 1);

        await pool.StartAsync("session-1", "cut -d' ' -f5,6 /proc/$$/stat\n");
        await pool.WaitEndedAsync("session-1");

        var ours = File.ReadAllText("/proc/self/stat").Split(") ")[1].Split(" ")[2..4];
        var task = (await pool.LogAsync("session-1", "stdout")).Trim().Split(' ');
        Assert.NotEqual(ours[0], task[0]); // process group
        Assert.NotEqual(ours[1], task[1]); // session
    }
}
