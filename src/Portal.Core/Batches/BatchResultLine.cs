using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Portal.Core.Batches;

/// <summary>
/// One finished input line, ready to append: its index in the input (for the done-lines bitmap), which file it goes
/// to, its bytes in OpenAI's shape, and the tokens it used (only successful responses are charged).
/// </summary>
public sealed record BatchResultLine(int Index, bool IsOutput, byte[] Json, long InputTokens, long OutputTokens)
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// <c>{"id","custom_id","response":{"status_code","request_id","body"},"error":null}</c>: a 2xx goes to the output
    /// file; any other status to the error file (as OpenAI does), with <paramref name="error"/> when we gave up retrying.
    /// </summary>
    public static BatchResultLine Response(int index, string customId, int statusCode, string requestId, JsonDocument body,
        byte[] bodyBytes, (string Code, string Message)? error = null, long inputTokens = 0, long outputTokens = 0)
    {
        var isOutput = statusCode is >= 200 and < 300 && error is null;
        return new(index, isOutput, Write(customId, w =>
        {
            w.WriteStartObject("response");
            w.WriteNumber("status_code", statusCode);
            w.WriteString("request_id", requestId);
            w.WritePropertyName("body");
            // Raw as received, unless it spans lines (pretty-printed): a result must stay on one line.
            if (bodyBytes.AsSpan().IndexOfAny((byte)'\n', (byte)'\r') < 0) w.WriteRawValue(bodyBytes, skipInputValidation: true);
            else body.RootElement.WriteTo(w);
            w.WriteEndObject();
            WriteError(w, error);
        }), isOutput ? inputTokens : 0, isOutput ? outputTokens : 0);
    }

    /// <summary>A line that got no HTTP answer to report: <c>"response":null</c> and the error's code and message.</summary>
    public static BatchResultLine Failure(int index, string? customId, string code, string message) =>
        new(index, false, Write(customId, w =>
        {
            w.WriteNull("response");
            WriteError(w, (code, message));
        }), 0, 0);

    private static void WriteError(Utf8JsonWriter w, (string Code, string Message)? error)
    {
        if (error is not { } e)
        {
            w.WriteNull("error");
            return;
        }
        w.WriteStartObject("error");
        w.WriteString("code", e.Code);
        w.WriteString("message", e.Message);
        w.WriteEndObject();
    }

    private static byte[] Write(string? customId, Action<Utf8JsonWriter> rest)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("id", BatchFileStore.NewId("batch_req_"));
            if (customId is null) w.WriteNull("custom_id");
            else w.WriteString("custom_id", customId);
            rest(w);
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}
