using System.Net;
using System.Net.Http.Headers;
using Portal.Core.Batches;

namespace Portal.Benchmarks;

/// <summary>
/// <c>--instant</c>: a model server inside the HTTP client that answers every request at once with a canned answer of
/// the endpoint's shape (usage included). Nothing crosses a socket and no server works, so what the runner spends
/// beyond the bare loop is its own CPU per line, measurable on a busy machine where the real-server ratio is noisy.
/// </summary>
internal sealed class InstantModelServer(string endpoint) : HttpMessageHandler
{
    private readonly byte[] answer = endpoint switch
    {
        BatchUrls.Embeddings => ("""{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0123,-0.0456,0.0789,-0.0321,0.0654,-0.0987"""u8 +
            """,0.0135,-0.0246]}],"model":"all-minilm-l6-v2","usage":{"prompt_tokens":9,"total_tokens":9}}"""u8).ToArray(),
        BatchUrls.Completions => ("""{"id":"cmpl-0123456789abcdef0123456789abcdef","object":"text_completion","created":1764180000"""u8 +
            ""","model":"llama-3.3-70b-instruct","choices":[{"text":"The cluster runs fast and every node holds a batch for our plan.","index":0"""u8 +
            ""","logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":14,"completion_tokens":16,"total_tokens":30}}"""u8).ToArray(),
        _ => ("""{"id":"chatcmpl-0123456789abcdef0123456789abcdef","object":"chat.completion","created":1764180000"""u8 +
            ""","model":"llama-3.3-70b-instruct","choices":[{"index":0,"message":"""u8 +
            """{"role":"assistant","content":"The cluster runs fast and every node holds a batch for our plan."},"finish_reason":"length"}],"usage":"""u8 +
            """{"prompt_tokens":14,"completion_tokens":16,"total_tokens":30}}"""u8).ToArray(),
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        if (request.Content is not null) await request.Content.ReadAsByteArrayAsync(ct); // read the request, as a server would
        var content = new ByteArrayContent(answer);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request };
    }
}
