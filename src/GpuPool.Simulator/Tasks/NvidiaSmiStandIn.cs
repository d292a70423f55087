namespace GpuPool.Simulator.Tasks;

/// <summary>
/// The <c>nvidia-smi</c> on a task's PATH: the node's SKU and the task's GPUs with the readings the pool last sampled.
/// Enough for a script to see what it runs on; not the real tool's full interface.
/// </summary>
public static class NvidiaSmiStandIn
{
    public static string Script(TaskFolder folder, TaskRecord task)
    {
        var name = "NVIDIA " + task.Sku.ToUpperInvariant();
        return $$"""
            #!/bin/bash
            # nvidia-smi stand-in written by the GPU pool simulator (a development pool: these GPUs are simulated).
            readings={{TaskLauncher.Quote(folder.GpuReadings)}}
            name={{TaskLauncher.Quote(name)}}
            sku={{TaskLauncher.Quote(task.Sku)}}
            if [ "$1" = "-L" ]; then
              while read -r index util memory total power; do
                echo "GPU $index: $name (sku $sku, simulated)"
              done < "$readings"
              exit 0
            fi
            echo "NVIDIA-SMI stand-in (GPU pool simulator)   node {{task.NodeId}}   sku $sku"
            printf '%-4s %-24s %6s %22s %8s\n' GPU Name Util Memory Power
            while read -r index util memory total power; do
              printf '%-4s %-24s %5s%% %10sMiB / %6sMiB %7sW\n' "$index" "$name" "$util" "$memory" "$total" "$power"
            done < "$readings"

            """;
    }
}
