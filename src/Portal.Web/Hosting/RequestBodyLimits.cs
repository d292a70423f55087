using Portal.Web.Batches;

namespace Portal.Web.Hosting;

/// <summary>
/// The JSON APIs (/api, /v1) take bodies up to <c>Hosting:MaxJsonBodyBytes</c> (1 MiB by default); a larger one is a
/// 413 in the API's own error shape, before anything reads it, instead of the server's 30 MB failure deep inside
/// model binding. File uploads (<c>POST /v1/files</c>) are exempt: they stream to storage under
/// <c>Batches:MaxFileBytes</c>, which the upload endpoint enforces itself. An endpoint that needs more (a script job's
/// launch with its input files) says so with <see cref="Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata"/>.
/// </summary>
public static class RequestBodyLimits
{
    public const string Setting = "Hosting:MaxJsonBodyBytes";
    public const long DefaultMaxJsonBodyBytes = 1024 * 1024;

    public static WebApplication UseRequestBodyLimits(this WebApplication app)
    {
        var defaultCap = app.Configuration.GetValue(Setting, DefaultMaxJsonBodyBytes);
        app.Use(async (context, next) =>
        {
            var cap = context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>()
                ?.MaxRequestBodySize ?? defaultCap;
            if (!IsCapped(context.Request))
            {
                await next(context);
                return;
            }
            if (context.Request.ContentLength > cap)
            {
                await TooLarge(context, cap).ExecuteAsync(context);
                return;
            }
            // A body without a length (chunked) is counted as it is read.
            var counted = new CappedRequestStream(context.Request.Body, cap);
            context.Request.Body = counted;
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException) when (counted.Exceeded && !context.Response.HasStarted)
            {
            }
            // Model binding may swallow the read error and answer on its own; the body's size is the real reason.
            if (counted.Exceeded && !context.Response.HasStarted)
            {
                context.Response.Clear();
                await TooLarge(context, cap).ExecuteAsync(context);
            }
        });
        return app;
    }

    private static bool IsCapped(HttpRequest request) =>
        (request.Path.StartsWithSegments("/api") || OpenAiApi.IsOpenAiPath(request.Path))
        && !(HttpMethods.IsPost(request.Method)
            && request.Path.StartsWithSegments(OpenAiApi.Base + "/files", StringComparison.OrdinalIgnoreCase, out var rest) && !rest.HasValue);

    private static IResult TooLarge(HttpContext context, long cap)
    {
        var message = $"The request body is larger than this API accepts ({cap:N0} bytes).";
        return OpenAiApi.IsOpenAiPath(context.Request.Path)
            ? OpenAiError.Create(StatusCodes.Status413PayloadTooLarge, message, code: "request_too_large")
            : Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large", detail: message);
    }

    /// <summary>Passes reads through until more than the cap has arrived, then fails them with a 413.</summary>
    private sealed class CappedRequestStream(Stream inner, long cap) : Stream
    {
        private long read;

        public bool Exceeded { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        private int Count(int n)
        {
            read += n;
            if (read <= cap) return n;
            Exceeded = true;
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
