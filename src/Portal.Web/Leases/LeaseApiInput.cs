using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Leases;
using static Portal.Web.Leases.LeaseProblems;

namespace Portal.Web.Leases;

/// <summary>
/// Reads what a lease API request sends: the JSON body, the Idempotency-Key, a lease request, a signature; bad input is a
/// validation problem.
/// </summary>
internal static class LeaseApiInput
{
    /// <summary>The JSON body, or a validation problem naming the field that could not be read.</summary>
    public static async Task<(T? Body, IResult? Error)> ReadBodyAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        var json = request.HttpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        try
        {
            var body = await request.ReadFromJsonAsync<T>(json, ct);
            return body is null ? (null, Invalid("body", "Send a JSON object.")) : (body, null);
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 2 } path && path.StartsWith("$.") ? path[2..] : "body";
            return (null, Invalid(field, field == "body" ? "The body is not a valid JSON object." : $"The value of '{field}' has the wrong type."));
        }
        catch (InvalidOperationException)
        {
            return (null, Invalid("body", "Send a JSON object with Content-Type: application/json."));
        }
    }

    /// <summary>An Idempotency-Key header, trimmed; too long is a validation problem.</summary>
    public static IResult? CheckIdempotencyKey(string? key) => key is { Length: > 0 } k && k.Trim().Length > 100
        ? Invalid(LeaseApi.IdempotencyKeyHeader, "The Idempotency-Key may be at most 100 characters.")
        : null;

    /// <summary>The Idempotency-Key as the lease classes take it: trimmed, null when blank.</summary>
    public static string? Key(string? idempotencyKey) => string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();

    /// <summary>
    /// The body as a <see cref="LeaseRequest"/>, or field errors: required fields, the start's format, an existing
    /// region and SKU, and the rules of <see cref="LeaseRequest.Validate"/> attributed to the field they are about.
    /// </summary>
    public static async Task<(LeaseRequest? Request, IResult? Error)> ParseRequestAsync(LeaseRequestBody body, PortalDbContext db,
        LeaseOptions options, DateTime now, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);

        var region = body.Region?.Trim();
        var sku = body.Sku?.Trim();
        if (string.IsNullOrEmpty(region)) Add("region", "The region is required, e.g. \"us-south-1\".");
        else if (!await db.Regions.AnyAsync(r => r.Id == region && r.RetiredAt == null, ct)) Add("region", $"There is no region '{region}'.");
        if (body.IsFlexible) // any of several: the set is checked by FlexibleLeaseEndpoints
        {
            if (!string.IsNullOrEmpty(sku)) Add("sku", "Send either sku (one GPU type) or skus and/or minGpuMemoryGb (any of several), not both.");
        }
        else if (string.IsNullOrEmpty(sku)) Add("sku", "The GPU SKU is required, e.g. \"h100-sxm-80gb\" (or name several with \"skus\").");
        else if (!await db.GpuSkus.AnyAsync(s => s.Id == sku && s.RetiredAt == null, ct)) Add("sku", $"There is no GPU SKU '{sku}'.");
        if (body.Gpus is null) Add("gpus", "The number of GPUs is required.");
        if (body.Hours is null) Add("hours", "The duration in hours is required.");
        DateTime? start = null;
        if (string.IsNullOrWhiteSpace(body.Start)) Add("start", "The start is required: a whole UTC hour such as \"2027-03-01T09:00:00Z\", or \"now\".");
        else if (body.Start.Trim().Equals("now", StringComparison.OrdinalIgnoreCase)) start = CancellationPolicy.FloorHour(now);
        else if (DateTime.TryParse(body.Start, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
            start = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
        else Add("start", $"'{body.Start}' is not a time: use ISO 8601 in UTC such as \"2027-03-01T09:00:00Z\", or \"now\".");

        // Each rule of LeaseRequest.Validate looks at one field: checking a valid request with one field swapped in
        // tells which field a message is about.
        var valid = new LeaseRequest("region", "sku", 1, CancellationPolicy.FloorHour(now), options.MinHours);
        if (body.Gpus is { } gpus) foreach (var m in (valid with { Gpus = gpus }).Validate(options, now)) Add("gpus", m);
        if (body.Hours is { } hours) foreach (var m in (valid with { Hours = hours }).Validate(options, now)) Add("hours", m);
        if (start is { } s) foreach (var m in (valid with { Start = s }).Validate(options, now)) Add("start", m);

        return errors.Count > 0
            ? (null, Invalid(errors))
            : (new LeaseRequest(region!, sku ?? "", body.Gpus!.Value, start!.Value, body.Hours!.Value), null);
    }

    /// <summary>The signer's name and acceptance, checked before the lease classes see them.</summary>
    public static IResult? CheckSignature(SignBody body)
    {
        var errors = new Dictionary<string, List<string>>();
        var name = body.SignerName?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length < 2 || name.Length > 200)
            errors["signerName"] = ["Type your full name to sign (2 to 200 characters)."];
        if (body.Accept != true) errors["accept"] = ["Accept the agreement to sign it: send \"accept\": true."];
        return errors.Count > 0 ? Invalid(errors) : null;
    }
}
