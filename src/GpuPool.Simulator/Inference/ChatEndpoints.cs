using System.Text;
using System.Text.Json;

namespace GpuPool.Simulator.Inference;

public static class ChatEndpoints
{
    public sealed class ChatMessage
    {
        public string? Role { get; set; }
        public JsonElement Content { get; set; }
    }

    public sealed class ChatCompletionRequest : GenerationRequest
    {
        public List<ChatMessage>? Messages { get; set; }
        public int? MaxCompletionTokens { get; set; }
    }

    public static void MapChatEndpoints(this IEndpointRouteBuilder app) =>
        app.MapPost("/v1/chat/completions", async (HttpContext context, ModelDeployments deployments,
            InferenceGate gate, ChatTextGenerator generator, TokenCounter tokens) =>
        {
            var (request, deployment, error) = await deployments.ReadRequestAsync<ChatCompletionRequest>(context, ModelKind.Chat, "a chat model");
            if (request is null || deployment is null) return error!;
            if (request.Messages is not { Count: > 0 } messages)
                return OpenAi.InvalidRequest("'messages' is a required property and must not be empty.", "messages");
            if (messages.Any(m => string.IsNullOrEmpty(m.Role)))
                return OpenAi.InvalidRequest("Every message needs a 'role'.", "messages");
            if (request.Stream == true)
                return OpenAi.InvalidRequest("Streaming is not supported by the simulator.", "stream", "unsupported_value");
            var maxTokens = request.MaxCompletionTokens ?? request.MaxTokens;
            if (maxTokens is < 1) return OpenAi.InvalidRequest("max_tokens must be at least 1.", "max_tokens");

            var contents = messages.Select(m => ContentText(m.Content)).ToArray();
            var promptTokens = contents.Sum(tokens.Count);
            if (promptTokens + (maxTokens ?? 0) > deployment.Options.ContextLength)
                return OpenAi.InvalidRequest(
                    $"This model's maximum context length is {deployment.Options.ContextLength} tokens; you asked for {promptTokens + maxTokens} tokens.",
                    "messages", "context_length_exceeded");

            return await gate.RunAsync(context, deployment, async cancellationToken =>
            {
                var seedText = new StringBuilder(request.Model).Append('\n').Append(request.Seed).Append('\n');
                for (var i = 0; i < messages.Count; i++) seedText.Append(messages[i].Role).Append(": ").Append(contents[i]).Append('\n');
                var answer = generator.Generate(seedText.ToString(), maxTokens);
                await gate.SimulateLatencyAsync(deployment, answer.Tokens, cancellationToken);
                return OpenAi.Ok(new
                {
                    id = "chatcmpl-" + Guid.NewGuid().ToString("N"),
                    @object = "chat.completion",
                    created = OpenAi.UnixNow(),
                    model = request.Model,
                    choices = new[]
                    {
                        new { index = 0, message = new { role = "assistant", content = answer.Text }, finish_reason = answer.FinishReason },
                    },
                    usage = new { prompt_tokens = promptTokens, completion_tokens = answer.Tokens, total_tokens = promptTokens + answer.Tokens },
                });
            });
        });

    /// <summary>A message's text: a plain string, or the text parts of a content array.</summary>
    static string ContentText(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString()!,
        JsonValueKind.Array => string.Concat(content.EnumerateArray()
            .Where(part => part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(part => part.GetProperty("text").GetString())),
        _ => "",
    };
}
