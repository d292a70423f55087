namespace GpuPool.Simulator;

/// <summary>The simulated GPU cloud: its nodes, its model deployments and how slow it is.</summary>
public sealed class SimulatorOptions
{
    public List<NodeOptions> Nodes { get; set; } = [];
    public List<ModelOptions> Models { get; set; } = [];

    /// <summary>How long a new reservation takes to become ready (provisioning). Zero in tests.</summary>
    public TimeSpan ReservationDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Scales simulated inference latency; 0 turns it off (benchmarks, tests).</summary>
    public double LatencyMultiplier { get; set; } = 1.0;

    /// <summary>
    /// Where tasks (script jobs) run: a folder per task with its files, logs, state and samples. A new simulator on the
    /// same folder re-attaches to the tasks still running there (and holds the reservations recorded there). Empty: a
    /// fresh temporary folder, private to this simulator instance.
    /// </summary>
    public string TaskRoot { get; set; } = "";

    /// <summary>
    /// The reservations to hold at start (the portal passes those its database says are held), on the GPU indexes the
    /// task root recorded for them; null restores every recorded reservation (a standalone pool).
    /// </summary>
    public List<ReservationOptions>? Reservations { get; set; }

    /// <summary>How often each running task's GPUs are sampled (DCGM fields); 10 s like DCGM's default export.</summary>
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the pool looks at its running tasks (time limits, kill deadlines, samples, and the exit of tasks a previous
    /// pool process started); the exit of a task this process started is seen at once, whatever the interval.
    /// </summary>
    public TimeSpan TaskPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Between SIGTERM and SIGKILL when the pool stops a task itself (time limit, released reservation).</summary>
    public TimeSpan TaskStopGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Loopback port for <see cref="SimulatorHost.StartAsync"/>; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>The default pool, which the portal's seed data aligns with.</summary>
    public static SimulatorOptions CreateDefault() => new SimulatorOptions().WithDefaultsWhereEmpty();

    /// <summary>Fills in the default nodes and models when none are configured.</summary>
    public SimulatorOptions WithDefaultsWhereEmpty()
    {
        if (Nodes.Count == 0) Nodes = DefaultNodes();
        if (Models.Count == 0) Models = DefaultModels();
        return this;
    }

    static List<NodeOptions> DefaultNodes()
    {
        (string Region, string Sku, int Count, int Gpus)[] racks =
        [
            ("us-south-1", "h100-sxm-80gb", 4, 8),
            ("us-south-1", "h200-141gb", 2, 8),
            ("us-south-1", "b200-180gb", 2, 8),
            ("us-south-1", "a100-80gb", 2, 8),
            ("us-east-2", "h100-sxm-80gb", 2, 8),
            ("us-east-2", "a100-80gb", 2, 8),
            ("us-east-2", "l40s-48gb", 2, 4),
        ];
        var nodes = new List<NodeOptions>();
        foreach (var rack in racks)
            for (var i = 1; i <= rack.Count; i++)
                nodes.Add(new NodeOptions
                {
                    Id = $"{rack.Region}-{rack.Sku.Split('-')[0]}-{i:00}",
                    Region = rack.Region,
                    Sku = rack.Sku,
                    GpuCount = rack.Gpus,
                });
        return nodes;
    }

    static List<ModelOptions> DefaultModels() =>
    [
        new()
        {
            Id = "llama-3.3-70b-instruct", Kind = ModelKind.Chat, Sku = "h100-sxm-80gb", TokensPerSecond = 60, MaxConcurrency = 8, ContextLength = 131_072
        },
        new()
        {
            Id = "llama-4-maverick-17b-128e-instruct", Kind = ModelKind.Chat, Sku = "h200-141gb", TokensPerSecond = 120, MaxConcurrency = 8,
            ContextLength = 1_048_576
        },
        new() { Id = "muse-spark", Kind = ModelKind.Chat, Sku = "b200-180gb", TokensPerSecond = 150, MaxConcurrency = 16, ContextLength = 262_144 },
        new() { Id = "all-minilm-l6-v2", Kind = ModelKind.Embeddings, Sku = "l40s-48gb", TokensPerSecond = 20_000, MaxConcurrency = 16, ContextLength = 512 },
    ];
}

public enum NodeState { Ready, Maintenance, Draining, Failed }

public enum ModelKind { Chat, Embeddings }

public sealed class NodeOptions
{
    public string Id { get; set; } = "";
    public string Region { get; set; } = "";
    public string Sku { get; set; } = "";
    public int GpuCount { get; set; } = 8;
    public NodeState State { get; set; } = NodeState.Ready;
}

public sealed class ReservationOptions
{
    public string NodeId { get; set; } = "";
    public string AllocationId { get; set; } = "";
    public int Gpus { get; set; }
}

public sealed class ModelOptions
{
    public string Id { get; set; } = "";
    public ModelKind Kind { get; set; } = ModelKind.Chat;

    /// <summary>The GPU SKU serving this deployment; its throughput sets the latency.</summary>
    public string Sku { get; set; } = "";
    public double TokensPerSecond { get; set; } = 100;

    /// <summary>Requests in flight at once; past it the deployment answers 429.</summary>
    public int MaxConcurrency { get; set; } = 8;
    public int ContextLength { get; set; } = 8192;
}
