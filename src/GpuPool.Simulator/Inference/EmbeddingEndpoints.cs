using System.Runtime.InteropServices;
using System.Text.Json;

namespace GpuPool.Simulator.Inference;

public static class EmbeddingEndpoints
{
    public sealed class EmbeddingRequest : ModelRequest
    {
        public JsonElement Input { get; set; }
        public string? EncodingFormat { get; set; }
    }

    const int MaxInputs = 2048;

    public static void MapEmbeddingEndpoints(this IEndpointRouteBuilder app) =>
        app.MapPost("/v1/embeddings", async (HttpContext context, ModelDeployments deployments,
            InferenceGate gate, EmbeddingEncoder encoder, TokenCounter tokens) =>
        {
            var (request, deployment, error) = await deployments.ReadRequestAsync<EmbeddingRequest>(context, ModelKind.Embeddings, "an embeddings model");
            if (request is null || deployment is null) return error!;
            if (CompletionEndpoints.StringOrStrings(request.Input) is not { Length: > 0 and <= MaxInputs } inputs)
                return OpenAi.InvalidRequest($"'input' must be a string or an array of 1 to {MaxInputs} strings.", "input");
            if (inputs.Any(string.IsNullOrEmpty))
                return OpenAi.InvalidRequest("'input' cannot contain an empty string.", "input");
            var base64 = request.EncodingFormat switch
            {
                null or "float" => false,
                "base64" => true,
                _ => (bool?)null,
            };
            if (base64 is null) return OpenAi.InvalidRequest("encoding_format must be 'float' or 'base64'.", "encoding_format");

            return await gate.RunAsync(context, deployment, async cancellationToken =>
            {
                // Counted with o200k_base like the chat models, so usage compares across the portal.
                var promptTokens = inputs.Sum(tokens.Count);
                var vectors = await Task.Run(() => encoder.Encode(inputs), cancellationToken);
                await gate.SimulateLatencyAsync(deployment, promptTokens, cancellationToken);
                return OpenAi.Ok(new
                {
                    @object = "list",
                    data = vectors.Select((v, i) => new
                    {
                        @object = "embedding",
                        index = i,
                        // OpenAI's base64 is the little-endian float32 bytes; its SDKs ask for it by default.
                        embedding = base64.Value ? (object)Convert.ToBase64String(MemoryMarshal.AsBytes(v.AsSpan())) : v,
                    }).ToArray(),
                    model = request.Model,
                    usage = new { prompt_tokens = promptTokens, total_tokens = promptTokens },
                });
            });
        });
}
