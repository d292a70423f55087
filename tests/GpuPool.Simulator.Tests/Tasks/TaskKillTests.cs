using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace GpuPool.Simulator.Tests.Tasks;

/// <summary>Killing the pool's process (SIGKILL, no shutdown code) neither stops nor repeats its tasks.</summary>
public class TaskKillTests
{
    [Fact]
    public async Task A_task_survives_a_killed_pool_process_and_a_new_one_finishes_it_once_with_its_exit_code_and_full_log()
    {
        var root = Path.Combine(Path.GetTempPath(), "gpupool-kill-test-" + Guid.NewGuid().ToString("N")[..10]);
        var shared = root + "-shared";
        Directory.CreateDirectory(shared);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(shared, (UnixFileMode)0b111_111_111);
        try
        {
            using (var first = await SimulatorProcess.StartAsync(root))
            {
                (await first.Http.PutAsJsonAsync("pool/nodes/node-a/reservations/alloc-1", new { gpus = 2 })).EnsureSuccessStatusCode();
                var script = $"echo run >> {shared}/runs.txt\necho before\nwhile [ ! -e {shared}/go ]; do sleep 0.1; done\necho after\nexit 5\n";
                (await first.Http.PutAsJsonAsync("pool/tasks/killed-1", new { nodeId = "node-a", reservationId = "alloc-1", gpus = 2, script }))
                    .EnsureSuccessStatusCode();
                await TaskTestPool.WaitAsync(async () => await first.Http.GetStringAsync("pool/tasks/killed-1/logs/stdout") is "before\n" ? "" : null);
                first.Kill();
            }

            using var second = await SimulatorProcess.StartAsync(root);
            var reattached = JsonNode.Parse(await second.Http.GetStringAsync("pool/tasks/killed-1"))!;
            await File.WriteAllTextAsync(Path.Combine(shared, "go"), "");
            var ended = await TaskTestPool.WaitAsync(async () =>
                JsonNode.Parse(await second.Http.GetStringAsync("pool/tasks/killed-1")) is var t && (string)t!["state"]! != "Running" ? t : null);

            Assert.Equal("Running", (string)reattached["state"]!);
            Assert.Equal(("Failed", 5), ((string)ended["state"]!, (int)ended["exitCode"]!));
            Assert.Equal("before\nafter\n", await second.Http.GetStringAsync("pool/tasks/killed-1/logs/stdout"));
            Assert.Equal(["run"], await File.ReadAllLinesAsync(Path.Combine(shared, "runs.txt")));
            var node = JsonNode.Parse(await second.Http.GetStringAsync("pool/nodes/node-a"))!;
            Assert.Equal(2, (int)node["reservedGpus"]!); // the reservation came back with the pool
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            Directory.Delete(shared, recursive: true);
        }
    }
}
