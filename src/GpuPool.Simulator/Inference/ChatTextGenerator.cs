using System.Security.Cryptography;
using System.Text;

namespace GpuPool.Simulator.Inference;

public sealed record GeneratedText(string Text, int Tokens, string FinishReason);

/// <summary>
/// Deterministic "model output": words drawn by a generator seeded from a hash of the request,
/// so the same request always gets the same answer, and a smaller max_tokens gets a prefix of it.
/// </summary>
public sealed class ChatTextGenerator(TokenCounter tokens)
{
    static readonly string[] Words =
    [
        "the", "cluster", "model", "answer", "request", "token", "GPU", "node", "region", "lease", "capacity",
        "is", "runs", "serves", "returns", "computes", "schedules", "keeps", "moves", "holds", "reads", "writes",
        "fast", "quiet", "stable", "large", "small", "ready", "careful", "simple", "clear", "useful", "steady",
        "a", "every", "each", "one", "two", "many", "some", "this", "that", "our", "your", "their",
        "with", "on", "in", "for", "from", "to", "over", "under", "after", "before", "through", "across",
        "data", "memory", "batch", "job", "queue", "server", "network", "result", "value", "plan", "time",
        "and", "but", "so", "then", "while", "because", "when", "where", "which", "also", "still", "now",
    ];

    /// <param name="seedText">Everything that identifies the request except max_tokens.</param>
    /// <param name="maxTokens">The caller's cap; the natural length is 64 to 256 tokens.</param>
    public GeneratedText Generate(string seedText, int? maxTokens)
    {
        var state = BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(seedText)));
        var natural = 64 + (int)(Next(ref state) % 193);
        var limit = maxTokens is { } cap && cap < natural ? cap : natural;

        var text = new StringBuilder();
        var count = 0;
        var sentenceLength = 0;
        while (true)
        {
            var word = Words[Next(ref state) % (ulong)Words.Length];
            if (sentenceLength == 0) word = char.ToUpperInvariant(word[0]) + word[1..];
            var endsSentence = sentenceLength >= 5 && Next(ref state) % 5 == 0;
            var piece = (text.Length == 0 ? "" : " ") + word + (endsSentence ? "." : "");
            // o200k splits on spaces and punctuation, so the pieces' counts add up; checked below.
            var pieceTokens = tokens.Count(piece);
            if (count + pieceTokens > limit) break;
            text.Append(piece);
            count += pieceTokens;
            sentenceLength = endsSentence ? 0 : sentenceLength + 1;
        }

        var result = text.ToString();
        var actual = tokens.Count(result);
        while (actual > limit && result.LastIndexOf(' ') is var space and > 0)
        {
            result = result[..space];
            actual = tokens.Count(result);
        }
        return new GeneratedText(result, actual, limit < natural ? "length" : "stop");
    }

    // SplitMix64: tiny, fast and the same on every platform and runtime version.
    static ulong Next(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
