using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Portal.BrowserTests;

/// <summary>
/// Issue 5's browser test: a member creates an API key, uploads a small embeddings batch and a small chat batch from
/// the new batch page (after a file with problems is refused line by line), watches each complete without reloading,
/// and downloads the output. The portal's own job server runs them on the embedded simulator, as in production.
/// </summary>
[Collection(PortalInChromiumCollection.Name)]
public sealed class BatchJourneyTests(PortalInChromium portal)
{
    private const int PhoneWidth = 390;

    [Fact]
    public async Task Member_creates_a_key_uploads_embeddings_and_chat_batches_watches_them_complete_live_and_downloads_the_output()
    {
        var page = await portal.NewPageAsync();
        var screenshots = new StepScreenshots("batch-journey");
        var journey = new PortalJourney(page, screenshots);
        var batches = new BatchJourney(page, screenshots);
        var id = PortalJourney.NewId();
        var email = $"batcher-{id}@example.com";
        string? chatId = null;

        await screenshots.RecordAsync(page, async () =>
        {
            await journey.RegisterAsync(email);
            await journey.ConfirmThroughOutboxAsync(email);
            await journey.SignInAsync(email, PortalJourney.Password);
            await journey.CreateOrganizationAsync($"Batch Labs {id}", $"batch-labs-{id}");

            await batches.OpenEmptyBatchesAsync();
            Assert.True(await batches.ScreenshotNarrowAsync(PhoneWidth, "batches-empty") <= PhoneWidth, "The empty batches page is wider than a phone.");
            var secret = await batches.CreateApiKeyAsync($"notebook {id}");

            await batches.OpenNewBatchAsync("Embeddings");
            await batches.UploadWithProblemsAsync("broken.jsonl", Embeddings(2) + "{\"custom_id\": \"request-3\"\n" + Embeddings(1, from: 1), 3, 4);
            Assert.True(await batches.ScreenshotNarrowAsync(PhoneWidth, "new-batch-problems") <= PhoneWidth, "The new batch page is wider than a phone.");
            var embeddingsId = await batches.UploadAndCreateAsync("vectors.jsonl", Embeddings(3), 3, "all-minilm-l6-v2", "embeddings");
            await batches.ExpectCompletedWithoutReloadAsync(3, "embeddings");
            var vectors = await batches.DownloadOutputAsync(embeddingsId);
            Assert.Equal(["request-1", "request-2", "request-3"], vectors.Select(CustomId).Order());
            Assert.All(vectors, v => Assert.Equal(384, Body(v).GetProperty("data")[0].GetProperty("embedding").GetArrayLength()));

            await batches.OpenNewBatchAsync("Chat completions");
            chatId = await batches.UploadAndCreateAsync("questions.jsonl", Chat(2), 2, "llama-3.3-70b-instruct", "chat");
            await batches.ExpectCompletedWithoutReloadAsync(2, "chat");
            var answers = await batches.DownloadOutputAsync(chatId);
            Assert.Equal(["q-1", "q-2"], answers.Select(CustomId).Order());
            Assert.All(answers, a => Assert.False(string.IsNullOrWhiteSpace(
                Body(a).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString())));
            Assert.True(await batches.ScreenshotNarrowAsync(PhoneWidth, "batch") <= PhoneWidth, "The batch page is wider than a phone.");

            await batches.ExpectListedAsync(embeddingsId, chatId);
            Assert.True(await batches.ScreenshotNarrowAsync(PhoneWidth, "batches-list") <= PhoneWidth, "The batches list is wider than a phone.");

            // The key made on the page sees the same batches through the OpenAI-compatible API.
            using var http = new HttpClient { BaseAddress = new Uri(portal.Server.BaseUrl) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            var listed = JsonDocument.Parse(await http.GetStringAsync("/v1/batches")).RootElement.GetProperty("data");
            Assert.Equal([chatId!, embeddingsId], listed.EnumerateArray().Select(b => b.GetProperty("id").GetString()));
            Assert.All(listed.EnumerateArray(), b => Assert.Equal("completed", b.GetProperty("status").GetString()));

            // A program creates many more with the key: the list pages them, newest first.
            var created = await CreateThroughApiAsync(http, ListPageSize + 1 - 2);
            await batches.ExpectLongListAsync(ListPageSize, oldestId: embeddingsId);
            Assert.True(await batches.ScreenshotNarrowAsync(PhoneWidth, "batches-older") <= PhoneWidth, "The older batches are wider than a phone.");
            Assert.Equal(ListPageSize - 1, created.Count);
        });
        await page.Context.CloseAsync();

        var support = await portal.NewPageAsync();
        var supportScreenshots = new StepScreenshots("batch-journey-support");
        await supportScreenshots.RecordAsync(support, async () =>
        {
            await new PortalJourney(support, supportScreenshots).SignInAsync(PortalServer.SupportEmail, PortalServer.SupportPassword);
            await new BatchJourney(support, supportScreenshots).SupportOpensBatchAsync($"Batch Labs {id}", chatId!);
        });
        await support.Context.CloseAsync();
    }

    /// <summary>The batch list's page size (BatchesPage.PageSize).</summary>
    private const int ListPageSize = 25;

    /// <summary>One uploaded file of one embeddings line and <paramref name="count"/> batches on it, through /v1 with the key.</summary>
    private static async Task<List<string>> CreateThroughApiAsync(HttpClient http, int count)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("batch"), "purpose" },
            { new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(Embeddings(1))), "file", "one-line.jsonl" },
        };
        var upload = await http.PostAsync("/v1/files", form);
        Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
        var fileId = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var response = await http.PostAsync("/v1/batches",
                JsonContent.Create(new { input_file_id = fileId, endpoint = "/v1/embeddings", completion_window = "24h" }));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            ids.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
        }
        return ids;
    }

    private static string Embeddings(int lines, int from = 0) => string.Concat(Enumerable.Range(from + 1, lines).Select(i =>
        JsonSerializer.Serialize(new
        {
            custom_id = $"request-{i}", method = "POST", url = "/v1/embeddings",
            body = new { model = "all-minilm-l6-v2", input = $"Sentence number {i}." },
        }) + "\n"));

    private static string Chat(int lines) => string.Concat(Enumerable.Range(1, lines).Select(i =>
        JsonSerializer.Serialize(new
        {
            custom_id = $"q-{i}", method = "POST", url = "/v1/chat/completions",
            body = new
            {
                model = "llama-3.3-70b-instruct", messages = new[] { new { role = "user", content = $"Question {i}: what is a GPU?" } }, max_tokens = 24,
            },
        }) + "\n"));

    private static string? CustomId(JsonElement line) => line.GetProperty("custom_id").GetString();

    private static JsonElement Body(JsonElement line)
    {
        Assert.Equal(200, line.GetProperty("response").GetProperty("status_code").GetInt32());
        return line.GetProperty("response").GetProperty("body");
    }
}
