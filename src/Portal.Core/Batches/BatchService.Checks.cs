using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Spend;
using Portal.Core.Tenancy;

namespace Portal.Core.Batches;

public sealed partial class BatchService
{
    public const int MaxMetadataPairs = 16;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 512;

    /// <summary>The request's rules, as OpenAI's; returns the metadata as JSON (or null).</summary>
    private static string? CheckRequest(BatchRequest r)
    {
        if (string.IsNullOrWhiteSpace(r.InputFileId)) throw BatchException.Invalid("Missing required parameter: 'input_file_id'.", "input_file_id");
        if (string.IsNullOrWhiteSpace(r.Endpoint)) throw BatchException.Invalid("Missing required parameter: 'endpoint'.", "endpoint");
        if (!Endpoints.Contains(r.Endpoint))
            throw BatchException.Invalid($"Invalid value for 'endpoint': '{r.Endpoint}'. Supported values are: {string.Join(", ", Endpoints.Select(e => $"'{e}'"))}.", "endpoint");
        if (string.IsNullOrWhiteSpace(r.CompletionWindow))
            throw BatchException.Invalid("Missing required parameter: 'completion_window'. Use \"24h\".", "completion_window");
        if (r.CompletionWindow != CompletionWindow)
            throw BatchException.Invalid($"Invalid value for 'completion_window': '{r.CompletionWindow}'. Supported values are: '24h'.", "completion_window");
        if (r.Metadata is not { Count: > 0 } metadata) return null;
        if (metadata.Count > MaxMetadataPairs)
            throw BatchException.Invalid($"'metadata' may have at most {MaxMetadataPairs} pairs; it has {metadata.Count}.", "metadata");
        foreach (var (key, value) in metadata)
        {
            if (key.Length is 0 or > MaxMetadataKeyLength)
                throw BatchException.Invalid($"Metadata keys are 1 to {MaxMetadataKeyLength} characters; '{Short(key)}' is not.", "metadata");
            if (value is null || value.Length > MaxMetadataValueLength)
                throw BatchException.Invalid($"Metadata values are strings of at most {MaxMetadataValueLength} characters; the value of '{key}' is not.", "metadata");
        }
        return JsonSerializer.Serialize(metadata);
    }

    private static string Short(string s) => s.Length > 70 ? s[..70] + "…" : s;

    /// <summary>
    /// Suspended organisations and those with nothing left of their monthly spend limit start nothing. A batch's cost is
    /// not known before it runs (its model and tokens are known after validation), so a batch is refused when the
    /// month's forecast (<see cref="SpendMonth"/>) has reached the limit.
    /// </summary>
    private async Task EnsureCanSpendAsync(PortalDbContext db, CancellationToken ct)
    {
        try { await tenant.EnsureCanSpendAsync(db, ct); }
        catch (TenantActionRefusedException e) { throw new BatchException(403, e.Message, code: "tenant_suspended"); }

        var month = await MonthSpendReader.ReadAsync(db, tenant.TenantId!.Value, time.GetUtcNow().UtcDateTime, spendOptions.Value, ct);
        if (month.LeftMicros <= 0)
            throw new BatchException(403,
                $"This month's spend is forecast at {Money.Format(month.ForecastMicros)}: $0.00 of your {Money.Format(month.LimitMicros)} monthly limit is left, so no new batch can start. An Owner can raise the limit in the organisation's settings.",
                code: "spend_limit_exceeded", type: "insufficient_quota");
    }
}
