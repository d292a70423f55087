using System.Text.Json.Nodes;

namespace GpuPool.Simulator.Tests.Tasks;

/// <summary>Every interval, one sample per GPU of each running task, under DCGM's names, following the task's profile.</summary>
public class TaskMetricsTests
{
    const double GpuMemoryMiB = 80 * 1024;

    static async Task<JsonArray> SamplesAsync(TaskTestPool pool, string taskId, int atLeast) =>
        await TaskTestPool.WaitAsync(async () =>
            await pool.Sim.GetJsonAsync($"pool/tasks/{taskId}/metrics") is JsonArray a && a.Count >= atLeast ? a : null);

    static double Field(JsonNode? sample, string name) => (double)sample![name]!;

    [Fact]
    public async Task A_busy_task_idles_through_setup_then_runs_hot_with_memory_rising_to_a_plateau()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 2);
        await pool.StartAsync("busy-1", "sleep 300\n", gpus: 2);

        var samples = await SamplesAsync(pool, "busy-1", 2 * 8);

        var gpu0 = samples.Where(s => (int)s!["gpuIndex"]! == 0).ToList();
        Assert.Equal(samples.Count / 2, gpu0.Count);
        Assert.All(samples, s => Assert.True(s!["DCGM_FI_DEV_GPU_UTIL"] is not null && s["DCGM_FI_DEV_FB_USED"] is not null
            && s["DCGM_FI_DEV_POWER_USAGE"] is not null && s["at"] is not null));
        Assert.True(Field(gpu0[0], "DCGM_FI_DEV_GPU_UTIL") < 10);
        Assert.True(Field(gpu0[7], "DCGM_FI_DEV_GPU_UTIL") > 80);
        // Memory: little during setup, then a plateau well into the GPU's memory but under it.
        Assert.True(Field(gpu0[0], "DCGM_FI_DEV_FB_USED") < 1024);
        Assert.True(Field(gpu0[7], "DCGM_FI_DEV_FB_USED") > GpuMemoryMiB / 2);
        Assert.All(gpu0, s => Assert.True(Field(s, "DCGM_FI_DEV_FB_USED") < GpuMemoryMiB));
        Assert.True(Field(gpu0[7], "DCGM_FI_DEV_POWER_USAGE") > Field(gpu0[0], "DCGM_FI_DEV_POWER_USAGE"));

        var after = (string)gpu0[5]!["at"]!;
        var later = await pool.Sim.GetJsonAsync($"pool/tasks/busy-1/metrics?after={Uri.EscapeDataString(after)}");
        Assert.All(later.AsArray(), s => Assert.True(DateTime.Parse((string)s!["at"]!) > DateTime.Parse(after)));
        Assert.True(later.AsArray().Count >= 2 * 2);
    }

    [Fact]
    public async Task An_idle_task_shows_no_utilisation_and_little_memory()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 1);
        await pool.StartAsync("idle-1", "sleep 300\n", profile: "idle");

        var samples = await SamplesAsync(pool, "idle-1", 6);

        Assert.All(samples, s => Assert.True(Field(s, "DCGM_FI_DEV_GPU_UTIL") < 1));
        Assert.All(samples, s => Assert.True(Field(s, "DCGM_FI_DEV_FB_USED") < 1024));
    }

    [Fact]
    public async Task An_oom_task_fills_the_gpu_memory_then_fails_with_cuda_out_of_memory()
    {
        await using var pool = await TaskTestPool.StartAsync();
        await pool.ReserveAsync("alloc-1", 1);
        await pool.StartAsync("oom-1", "echo loading\nsleep 300\n", profile: "oom");

        var ended = await pool.WaitEndedAsync("oom-1");
        var samples = (await pool.Sim.GetJsonAsync("pool/tasks/oom-1/metrics")).AsArray();

        Assert.Equal("Failed", (string)ended["state"]!);
        Assert.Contains("CUDA out of memory", (string)ended["reason"]!);
        Assert.Contains("CUDA out of memory", await pool.LogAsync("oom-1", "stderr"));
        Assert.Equal(GpuMemoryMiB, Field(samples[^1], "DCGM_FI_DEV_FB_USED"));
        Assert.True(Field(samples[^2], "DCGM_FI_DEV_FB_USED") < GpuMemoryMiB);
    }
}
