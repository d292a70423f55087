using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portal.Core.Batches;

namespace Portal.Web.Batches;

/// <summary>The Files endpoints of <see cref="OpenAiApi"/>: upload (streamed, never a form in memory), list, get, content, delete.</summary>
internal static class OpenAiFileEndpoints
{
    /// <summary>Room for the multipart boundaries and the purpose field around the file itself.</summary>
    private const long MultipartOverheadBytes = 64 * 1024;
    private const int MaxFieldChars = 256;

    /// <summary>
    /// Reads the multipart body part by part (never a form in memory): the file goes straight to the store through
    /// <see cref="BatchFileService.StoreAsync"/>, whichever order the parts come in.
    /// </summary>
    internal static async Task<IResult> UploadAsync(HttpContext http, BatchFileService files, IOptions<BatchOptions> options, CancellationToken ct)
    {
        files.EnsureCanWrite();
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.Value.MaxFileBytes + MultipartOverheadBytes;
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
            return OpenAiError.Create(400, "Send the file as multipart/form-data with the fields 'file' and 'purpose' (purpose=batch).", "file");

        var reader = new MultipartReader(boundary, http.Request.Body) { BodyLengthLimit = null };
        StoredUpload? stored = null;
        string? filename = null, purpose = null;
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                    continue;
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (name == "file" && stored is null)
                {
                    filename = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    stored = await files.StoreAsync(section.Body, ct);
                }
                else if (name == "purpose")
                {
                    purpose = await ReadFieldAsync(section.Body, ct);
                    BatchFileService.CheckPurpose(purpose); // a wrong purpose stops the upload here
                }
            }
        }
        catch (Exception e)
        {
            if (stored is not null) files.Discard(stored);
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
                return OpenAiError.Create(413, $"The file is larger than the limit of {options.Value.MaxFileBytes:N0} bytes. Split it into smaller files.",
                    "file", "file_too_large");
            if (e is IOException or InvalidDataException)
                return OpenAiError.Create(400, "The multipart body could not be read: " + e.Message, "file");
            throw;
        }
        if (stored is null) return OpenAiError.Create(400, "Missing required parameter: 'file'.", "file");
        return OpenAiJson.Result(OpenAiJson.File(await files.CreateAsync(stored, filename, purpose, ct)));
    }

    private static async Task<string> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        using var reader = new StreamReader(body, Encoding.UTF8);
        var buffer = new char[MaxFieldChars + 1];
        var read = await reader.ReadBlockAsync(buffer, ct);
        return read > MaxFieldChars ? throw BatchException.Invalid("A form field is too long.", null) : new string(buffer, 0, read).Trim();
    }

    internal static async Task<IResult> ListAsync(BatchFileService files, string? purpose, int? limit, string? after, string? order, CancellationToken ct)
    {
        if (limit is < 1 or > 10_000) return OpenAiError.Create(400, "'limit' must be between 1 and 10000.", "limit");
        if (order is not (null or "asc" or "desc")) return OpenAiError.Create(400, $"Invalid value for 'order': '{order}'. Use 'asc' or 'desc'.", "order");
        var (page, hasMore) = await files.ListAsync(purpose, limit ?? 10_000, after, order == "asc", ct);
        return OpenAiJson.Result(OpenAiListJson<OpenAiFileJson>.Of([.. page.Select(OpenAiJson.File)], f => f.Id, hasMore));
    }

    internal static async Task<IResult> GetAsync(string id, BatchFileService files, CancellationToken ct) =>
        OpenAiJson.Result(OpenAiJson.File(await files.GetAsync(id, ct) ?? throw BatchException.FileNotFound(id)));

    internal static async Task<IResult> ContentAsync(string id, BatchFileService files, CancellationToken ct)
    {
        var (file, content) = await files.OpenAsync(id, ct) ?? throw BatchException.FileNotFound(id);
        return TypedResults.Stream(content, "application/octet-stream", file.Filename);
    }

    internal static async Task<IResult> DeleteAsync(string id, BatchFileService files, CancellationToken ct)
    {
        var deleted = await files.DeleteAsync(id, ct);
        return OpenAiJson.Result(new OpenAiDeletedJson(deleted.Id, "file", true));
    }
}
