using System.Text.Json;

namespace GpuPool.Simulator.Inference;

public static class CompletionEndpoints
{
    public sealed class CompletionRequest : GenerationRequest
    {
        public JsonElement Prompt { get; set; }
    }

    /// <summary>The legacy text completions API: one choice per prompt.</summary>
    public static void MapCompletionEndpoints(this IEndpointRouteBuilder app) =>
        app.MapPost("/v1/completions", async (HttpContext context, ModelDeployments deployments,
            InferenceGate gate, ChatTextGenerator generator, TokenCounter tokens) =>
        {
            var (request, deployment, error) = await deployments.ReadRequestAsync<CompletionRequest>(context, ModelKind.Chat, "a text generation model");
            if (request is null || deployment is null) return error!;
            if (StringOrStrings(request.Prompt) is not { Length: > 0 } prompts)
                return OpenAi.InvalidRequest("'prompt' is required: a string or an array of strings.", "prompt");
            if (request.Stream == true)
                return OpenAi.InvalidRequest("Streaming is not supported by the simulator.", "stream", "unsupported_value");
            if (request.MaxTokens is < 1) return OpenAi.InvalidRequest("max_tokens must be at least 1.", "max_tokens");

            return await gate.RunAsync(context, deployment, async cancellationToken =>
            {
                var promptTokens = prompts.Sum(tokens.Count);
                var answers = prompts
                    .Select(p => generator.Generate($"{request.Model}\n{request.Seed}\nprompt: {p}\n", request.MaxTokens))
                    .ToArray();
                var completionTokens = answers.Sum(a => a.Tokens);
                await gate.SimulateLatencyAsync(deployment, completionTokens, cancellationToken);
                return OpenAi.Ok(new
                {
                    id = "cmpl-" + Guid.NewGuid().ToString("N"),
                    @object = "text_completion",
                    created = OpenAi.UnixNow(),
                    model = request.Model,
                    choices = answers.Select((a, i) => new { text = a.Text, index = i, logprobs = (object?)null, finish_reason = a.FinishReason }).ToArray(),
                    usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
                });
            });
        });

    /// <summary>A string or an array of strings as an array; null if it is neither.</summary>
    public static string[]? StringOrStrings(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            [.. value.EnumerateArray().Select(e => e.GetString()!)],
        _ => null,
    };
}
