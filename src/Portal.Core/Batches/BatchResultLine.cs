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

    private const string IdCharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>
    /// An id of the same shape as <see cref="BatchFileStore.NewId"/> (prefix + 24 letters and digits) for a line's
    /// result or a request the server gave no id: it names, it does not guard, so a fast non-cryptographic generator is
    /// enough (the cryptographic one drew each character separately and cost the runner more CPU than the line itself).
    /// </summary>
    public static string NewLineId(string prefix) => string.Create(prefix.Length + 24, prefix, static (chars, prefix) =>
    {
        prefix.CopyTo(chars);
        Random.Shared.GetItems(IdCharacters, chars[prefix.Length..]);
    });

    // One buffer and writer per thread, reused: a fresh ArrayBufferWriter grew by 4 KB (Utf8JsonWriter's growth step)
    // for every result over 512 bytes, several times the line's own size in garbage. Write never awaits, so a
    // thread's buffer is never shared; one grown past MaxKeptBuffer by a huge response is dropped, not kept.
    private const int MaxKeptBuffer = 1024 * 1024;
    [ThreadStatic] private static ArrayBufferWriter<byte>? buffer;
    [ThreadStatic] private static Utf8JsonWriter? writer;

    private static byte[] Write(string? customId, Action<Utf8JsonWriter> rest)
    {
        var output = buffer ??= new ArrayBufferWriter<byte>(16 * 1024);
        output.ResetWrittenCount();
        var w = writer ??= new Utf8JsonWriter(output, Options);
        w.Reset(output);
        w.WriteStartObject();
        w.WriteString("id", NewLineId("batch_req_"));
        if (customId is null) w.WriteNull("custom_id");
        else w.WriteString("custom_id", customId);
        rest(w);
        w.WriteEndObject();
        w.Flush();
        output.Write("\n"u8);
        var line = output.WrittenSpan.ToArray();
        if (output.Capacity > MaxKeptBuffer) (buffer, writer) = (null, null);
        return line;
    }
}
