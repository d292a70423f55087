using Microsoft.ML.Tokenizers;

namespace GpuPool.Simulator.Inference;

/// <summary>Counts tokens with o200k_base (GPT-4o's encoding); loaded once per process, on first use.</summary>
public sealed class TokenCounter
{
    // Static: the vocabulary is immutable and costly to load, so simulators in one process share it.
    static readonly Lazy<Tokenizer> Tokenizer = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    public int Count(string text) => text.Length == 0 ? 0 : Tokenizer.Value.CountTokens(text);
}
