using System.Net;
using System.Runtime.InteropServices;

namespace GpuPool.Simulator.Tests;

public class EmbeddingTests
{
    static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }

    [Fact]
    public async Task Embeddings_are_real_similar_sentences_are_closer()
    {
        await using var sim = await TestSimulator.StartAsync();
        string[] input = ["a cat sits on the mat", "a kitten is sitting on a rug", "quarterly tax filing deadline"];

        var response = await sim.PostAsync("v1/embeddings", new { model = "all-minilm-l6-v2", input });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await TestSimulator.JsonAsync(response);
        Assert.Equal("list", (string)json["object"]!);
        var data = json["data"]!.AsArray();
        Assert.Equal(3, data.Count);
        Assert.All(data, (d, i) => { Assert.Equal("embedding", (string)d!["object"]!); Assert.Equal(i, (int)d["index"]!); });
        var vectors = data.Select(d => d!["embedding"]!.AsArray().Select(x => (float)x!).ToArray()).ToArray();
        Assert.All(vectors, v => Assert.Equal(384, v.Length));
        var catKitten = Cosine(vectors[0], vectors[1]);
        var catTax = Cosine(vectors[0], vectors[2]);
        Assert.True(catKitten > catTax, $"cat~kitten {catKitten:F3} should beat cat~tax {catTax:F3}");
        Assert.True((int)json["usage"]!["prompt_tokens"]! > 0);
    }

    [Fact]
    public async Task A_single_string_in_base64_decodes_to_the_float_vector()
    {
        await using var sim = await TestSimulator.StartAsync();

        var asFloats = await TestSimulator.JsonAsync(await sim.PostAsync("v1/embeddings", new { model = "all-minilm-l6-v2", input = "hello" }));
        var asBase64 = await TestSimulator.JsonAsync(await sim.PostAsync("v1/embeddings",
            new { model = "all-minilm-l6-v2", input = "hello", encoding_format = "base64" }));

        var floats = asFloats["data"]![0]!["embedding"]!.AsArray().Select(x => (float)x!).ToArray();
        var decoded = MemoryMarshal.Cast<byte, float>(Convert.FromBase64String((string)asBase64["data"]![0]!["embedding"]!)).ToArray();
        Assert.Equal(floats, decoded);
    }

    [Fact]
    public async Task A_chat_model_refuses_embeddings()
    {
        await using var sim = await TestSimulator.StartAsync();

        var response = await sim.PostAsync("v1/embeddings", new { model = "muse-spark", input = "hello" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
