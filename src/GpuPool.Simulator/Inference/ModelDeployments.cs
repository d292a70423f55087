namespace GpuPool.Simulator.Inference;

/// <summary>One model server: its settings and its concurrency slots.</summary>
public sealed class Deployment(ModelOptions options)
{
    int _inFlight;

    public ModelOptions Options { get; } = options;
    public SemaphoreSlim Slots { get; } = new(options.MaxConcurrency, options.MaxConcurrency);
    public int InFlight => Volatile.Read(ref _inFlight);

    public bool TryEnter()
    {
        if (!Slots.Wait(0)) return false;
        Interlocked.Increment(ref _inFlight);
        return true;
    }

    public void Exit()
    {
        Interlocked.Decrement(ref _inFlight);
        Slots.Release();
    }
}

/// <summary>The seeded model deployments, by model id.</summary>
public sealed class ModelDeployments(SimulatorOptions options)
{
    readonly Dictionary<string, Deployment> _byId =
        options.Models.ToDictionary(m => m.Id, m => new Deployment(m), StringComparer.Ordinal);

    public IEnumerable<Deployment> All => _byId.Values;

    public Deployment? Find(string? model) => model is not null && _byId.TryGetValue(model, out var d) ? d : null;

    /// <summary>Reads a request and finds its deployment; else OpenAI's error for a bad body, no model, an unknown one,
    /// or one that is not <paramref name="kindName"/>.</summary>
    public async Task<(T? Request, Deployment? Deployment, IResult? Error)> ReadRequestAsync<T>(HttpContext context, ModelKind kind, string kindName)
        where T : ModelRequest
    {
        var (request, error) = await OpenAi.ReadAsync<T>(context.Request);
        if (request is null) return (null, null, error);
        if (string.IsNullOrEmpty(request.Model)) return (null, null, OpenAi.InvalidRequest("you must provide a model parameter", "model"));
        if (Find(request.Model) is not { } deployment) return (null, null, OpenAi.ModelNotFound(request.Model));
        return deployment.Options.Kind == kind
            ? (request, deployment, null)
            : (null, null, OpenAi.InvalidRequest($"{request.Model} is not {kindName}.", "model", "model_not_supported"));
    }
}
