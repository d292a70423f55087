namespace Portal.Core.Batches;

/// <summary>PLACEHOLDER (issue 5, in progress): checks every line of a batch's input, then starts the runner.</summary>
public sealed class ValidateBatchJob
{
    public Task RunAsync(string batchId, CancellationToken ct) => throw new NotImplementedException("issue 5: being built");
}
