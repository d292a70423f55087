using System.Globalization;
using MudBlazor;
using Portal.Core.Batches;

namespace Portal.Web.Batches;

/// <summary>How the batch pages show statuses, endpoints, counts and times; every time is UTC and says so.</summary>
public static class BatchUi
{
    public static string Label(BatchStatus status) => status switch
    {
        BatchStatus.InProgress => "In progress",
        _ => status.ToString(),
    };

    public static Color StatusColor(BatchStatus status) => status switch
    {
        BatchStatus.Validating => Color.Info,
        BatchStatus.InProgress => Color.Primary,
        BatchStatus.Finalizing => Color.Secondary,
        BatchStatus.Completed => Color.Success,
        BatchStatus.Failed => Color.Error,
        BatchStatus.Expired or BatchStatus.Cancelling => Color.Warning,
        _ => Color.Default,
    };

    /// <summary>What a status means to the member, in one sentence.</summary>
    public static string Explain(BatchStatus status) => status switch
    {
        BatchStatus.Validating => "Every line is being checked before anything runs.",
        BatchStatus.Failed => "The file did not pass validation: nothing was run or charged.",
        BatchStatus.InProgress => "Requests are being sent to the model.",
        BatchStatus.Finalizing => "All requests are done; the output and error files are being written.",
        BatchStatus.Completed => "Every request was run. Download the output (and the error file, if any lines failed).",
        BatchStatus.Expired => "The 24-hour completion window ran out: finished lines are in the output, the rest in the error file as batch_expired.",
        BatchStatus.Cancelling => "Requests already sent finish or are abandoned shortly; then the batch is cancelled.",
        BatchStatus.Cancelled => "Cancelled: finished lines are in the output, the rest in the error file as batch_cancelled.",
        _ => "",
    };

    /// <summary>"Chat completions" for <c>/v1/chat/completions</c>.</summary>
    public static string EndpointLabel(string endpoint) => endpoint switch
    {
        "/v1/chat/completions" => "Chat completions",
        "/v1/completions" => "Completions",
        "/v1/embeddings" => "Embeddings",
        _ => endpoint,
    };

    /// <summary>The example file's name for an endpoint: <c>chat-completions</c>, <c>completions</c>, <c>embeddings</c>.</summary>
    public static string Slug(string endpoint) => endpoint.Replace("/v1/", "").Replace('/', '-');

    public static string? EndpointOfSlug(string slug) => Portal.Core.Batches.BatchService.Endpoints.FirstOrDefault(e => Slug(e) == slug);

    public static int Done(Batch b) => b.RequestCompleted + b.RequestFailed;

    /// <summary>0–100; a finished batch with no requests (failed validation) is 0.</summary>
    public static double Percent(int done, int total) => total <= 0 ? 0 : Math.Min(100, 100.0 * done / total);

    /// <summary>"2027-03-01 09:00:12 UTC".</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>"2027-03-01 09:00 UTC", for lists.</summary>
    public static string Minute(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    public static string Date(DateTime utc) => utc.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"12,345 bytes", "1.2 MB".</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 10 * 1024 => $"{Count(bytes)} bytes",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KB",
        _ => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
    };

    /// <summary>"$0.30 per million input tokens".</summary>
    public static string PerMillion(long micros, string what) => $"{Portal.Core.Catalog.Money.Format(micros)} per million {what} tokens";
}
