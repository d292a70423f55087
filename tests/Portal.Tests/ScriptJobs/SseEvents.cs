using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Portal.Tests.ScriptJobs;

/// <summary>A Server-Sent Events reader as EventSource is one: fields until a blank line make an event; comments are skipped.</summary>
public sealed class SseEvents(HttpResponseMessage response, StreamReader reader) : IDisposable
{
    public sealed record Event(string? Name, string? Id, string Data)
    {
        /// <summary>A log event's bytes: its text, or its exact bytes when it carries them in base64.</summary>
        public byte[] Bytes()
        {
            using var json = JsonDocument.Parse(Data);
            return json.RootElement.TryGetProperty("bytesBase64", out var raw)
                ? Convert.FromBase64String(raw.GetString()!)
                : Encoding.UTF8.GetBytes(json.RootElement.GetProperty("text").GetString()!);
        }
    }

    public static async Task<SseEvents> OpenAsync(HttpClient http, string url, string? lastEventId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        return new SseEvents(response, new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8));
    }

    /// <summary>The next event with data, or null when the stream ends.</summary>
    public async Task<Event?> NextAsync()
    {
        string? name = null, id = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0) return new Event(name ?? "message", id, string.Join('\n', data));
                name = null;
                continue;
            }
            if (line.StartsWith(':')) continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "event": name = value; break;
                case "id": id = value; break;
                case "data": data.Add(value); break;
            }
        }
        return null;
    }

    public void Dispose()
    {
        reader.Dispose();
        response.Dispose();
    }
}
