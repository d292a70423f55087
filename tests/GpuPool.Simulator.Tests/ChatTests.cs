using System.Net;
using Microsoft.ML.Tokenizers;

namespace GpuPool.Simulator.Tests;

public class ChatTests
{
    static readonly Tokenizer O200k = TiktokenTokenizer.CreateForEncoding("o200k_base");

    [Fact]
    public async Task The_same_request_gets_the_same_text_with_usage_from_o200k()
    {
        await using var sim = await TestSimulator.StartAsync();
        const string prompt = "Explain GPU leases in one paragraph.";

        var first = await TestSimulator.JsonAsync(await sim.ChatAsync("llama-3.3-70b-instruct", prompt));
        var second = await TestSimulator.JsonAsync(await sim.ChatAsync("llama-3.3-70b-instruct", prompt));

        Assert.Equal("chat.completion", (string)first["object"]!);
        Assert.Equal("llama-3.3-70b-instruct", (string)first["model"]!);
        var text = (string)first["choices"]![0]!["message"]!["content"]!;
        Assert.Equal("assistant", (string)first["choices"]![0]!["message"]!["role"]!);
        Assert.Equal(text, (string)second["choices"]![0]!["message"]!["content"]!);
        Assert.False(string.IsNullOrWhiteSpace(text));
        var usage = first["usage"]!;
        Assert.Equal(O200k.CountTokens(prompt), (int)usage["prompt_tokens"]!);
        Assert.Equal(O200k.CountTokens(text), (int)usage["completion_tokens"]!);
        Assert.Equal((int)usage["prompt_tokens"]! + (int)usage["completion_tokens"]!, (int)usage["total_tokens"]!);
        Assert.InRange((int)usage["completion_tokens"]!, 1, 256);
    }

    [Fact]
    public async Task Max_tokens_caps_the_answer_to_a_prefix_with_finish_reason_length()
    {
        await using var sim = await TestSimulator.StartAsync();
        const string prompt = "Write a long story.";

        var full = await TestSimulator.JsonAsync(await sim.ChatAsync("muse-spark", prompt));
        var capped = await TestSimulator.JsonAsync(await sim.ChatAsync("muse-spark", prompt, maxTokens: 10));

        var cappedText = (string)capped["choices"]![0]!["message"]!["content"]!;
        Assert.InRange((int)capped["usage"]!["completion_tokens"]!, 1, 10);
        Assert.Equal(O200k.CountTokens(cappedText), (int)capped["usage"]!["completion_tokens"]!);
        Assert.Equal("length", (string)capped["choices"]![0]!["finish_reason"]!);
        Assert.Equal("stop", (string)full["choices"]![0]!["finish_reason"]!);
        Assert.StartsWith(cappedText, (string)full["choices"]![0]!["message"]!["content"]!);
    }

    [Fact]
    public async Task Different_prompts_or_models_get_different_text()
    {
        await using var sim = await TestSimulator.StartAsync();

        static async Task<string> Text(HttpResponseMessage r) => (string)(await TestSimulator.JsonAsync(r))["choices"]![0]!["message"]!["content"]!;
        var a = await Text(await sim.ChatAsync("muse-spark", "one"));
        var b = await Text(await sim.ChatAsync("muse-spark", "two"));
        var c = await Text(await sim.ChatAsync("llama-3.3-70b-instruct", "one"));

        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public async Task Errors_come_in_openai_shape()
    {
        await using var sim = await TestSimulator.StartAsync();

        var unknown = await sim.ChatAsync("gpt-17", "hi");
        var missing = await sim.PostAsync("v1/chat/completions", new { model = "muse-spark" });
        var notJson = await sim.Http.PostAsync("v1/chat/completions", new StringContent("{oops", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("model_not_found", (string)(await TestSimulator.JsonAsync(unknown))["error"]!["code"]!);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var error = (await TestSimulator.JsonAsync(missing))["error"]!;
        Assert.Equal("invalid_request_error", (string)error["type"]!);
        Assert.False(string.IsNullOrEmpty((string)error["message"]!));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
    }

    [Fact]
    public async Task Text_completions_and_the_model_list_follow_openai()
    {
        await using var sim = await TestSimulator.StartAsync();

        var completion = await TestSimulator.JsonAsync(await sim.PostAsync("v1/completions",
            new { model = "muse-spark", prompt = "Once upon a time", max_tokens = 12 }));
        var models = await sim.GetJsonAsync("v1/models");

        Assert.Equal("text_completion", (string)completion["object"]!);
        var text = (string)completion["choices"]![0]!["text"]!;
        Assert.Equal(O200k.CountTokens(text), (int)completion["usage"]!["completion_tokens"]!);
        Assert.Equal(O200k.CountTokens("Once upon a time"), (int)completion["usage"]!["prompt_tokens"]!);
        Assert.Equal("list", (string)models["object"]!);
        var ids = models["data"]!.AsArray().Select(m => (string)m!["id"]!).ToArray();
        Assert.Contains("llama-3.3-70b-instruct", ids);
        Assert.Contains("llama-4-maverick-17b-128e-instruct", ids);
        Assert.Contains("muse-spark", ids);
        Assert.Contains("all-minilm-l6-v2", ids);
    }
}
