namespace GpuPool.Simulator.Inference;

/// <summary>What every inference request names: the model to run.</summary>
public abstract class ModelRequest
{
    public string? Model { get; set; }
}

/// <summary>The fields the chat and text completion requests share.</summary>
public abstract class GenerationRequest : ModelRequest
{
    public int? MaxTokens { get; set; }
    public long? Seed { get; set; }
    public bool? Stream { get; set; }
}
