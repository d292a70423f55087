using GpuPool.Simulator.Faults;

namespace GpuPool.Simulator.Inference;

/// <summary>What every inference request goes through: injected faults, then the concurrency bound.</summary>
public sealed class InferenceGate(FaultBook faults, SimulatorOptions options)
{
    public async Task<IResult> RunAsync(HttpContext context, Deployment deployment, Func<CancellationToken, Task<IResult>> work)
    {
        var cancellationToken = context.RequestAborted;
        var fault = faults.TryTakeInferenceFault(deployment.Options.Id);
        switch (fault?.Kind)
        {
            case FaultKind.RateLimit:
                return OpenAi.RateLimited(context, $"Rate limit reached for {deployment.Options.Id} (injected).");
            case FaultKind.ServerError:
                return OpenAi.ServerError();
            case FaultKind.Drop:
                context.Abort();
                return Results.Empty;
        }

        if (!deployment.TryEnter())
            return OpenAi.RateLimited(context,
                $"Rate limit reached for {deployment.Options.Id}: {deployment.Options.MaxConcurrency} concurrent requests at most. Please try again shortly.");
        try
        {
            if (fault?.Kind == FaultKind.Slow)
                await Task.Delay(fault.DelayMs, cancellationToken);
            return await work(cancellationToken);
        }
        finally
        {
            deployment.Exit();
        }
    }

    /// <summary>Waits as long as the serving SKU would take to process this many tokens.</summary>
    public Task SimulateLatencyAsync(Deployment deployment, int tokens, CancellationToken cancellationToken)
    {
        if (options.LatencyMultiplier <= 0 || deployment.Options.TokensPerSecond <= 0) return Task.CompletedTask;
        var seconds = tokens / deployment.Options.TokensPerSecond * options.LatencyMultiplier;
        return Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
    }
}
