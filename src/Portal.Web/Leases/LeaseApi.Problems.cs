using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Web.Leases;

/// <summary>
/// How the lease API says no (RFC 7807): a refused action is a problem whose <c>code</c> (and <c>type</c>,
/// <c>urn:portal:problem:{code}</c>) is the <see cref="LeaseException.Code"/>; bad input is a validation problem
/// with an error per field.
/// </summary>
public static partial class LeaseApi
{
    public const string ProblemTypePrefix = "urn:portal:problem:";

    /// <summary>Turns a <see cref="LeaseException"/> thrown by any lease endpoint into its problem details.</summary>
    private static async ValueTask<object?> LeaseProblems(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (LeaseException e)
        {
            return Problem(e);
        }
    }

    internal static IResult Problem(LeaseException e)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = e.Code };
        if (e is NoCapacityException n)
        {
            extensions["earlierWindows"] = n.EarlierWindows.Select(WindowJson.From).ToList();
            extensions["laterWindows"] = n.LaterWindows.Select(WindowJson.From).ToList();
        }
        var problem = TypedResults.Problem(detail: e.Message, statusCode: e.Status, title: Title(e.Code), type: ProblemTypePrefix + e.Code,
            extensions: extensions);
        return e is QuoteRateLimitedException limited ? new RetryAfterResult(problem, limited.RetryAfterSeconds) : problem;
    }

    /// <summary>A 429's problem with the Retry-After header saying when the next quote will be taken.</summary>
    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }

    /// <summary>"hold_expired" → "Hold expired".</summary>
    private static string Title(string code) => code.Length == 0 ? "Refused" : char.ToUpperInvariant(code[0]) + code[1..].Replace('_', ' ');

    private static IResult Invalid(string field, string message) => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid.", type: ProblemTypePrefix + "invalid_request",
        extensions: new Dictionary<string, object?> { ["code"] = "invalid_request" });

    private static IResult Invalid(Dictionary<string, List<string>> errors) => TypedResults.ValidationProblem(
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray()), title: "The request is not valid.", type: ProblemTypePrefix + "invalid_request",
        extensions: new Dictionary<string, object?> { ["code"] = "invalid_request" });

    /// <summary>The JSON body, or a validation problem naming the field that could not be read.</summary>
    private static async Task<(T? Body, IResult? Error)> ReadBodyAsync<T>(HttpRequest request, CancellationToken ct) where T : class
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
    private static IResult? CheckIdempotencyKey(string? key) => key is { Length: > 0 } k && k.Trim().Length > 100
        ? Invalid(IdempotencyKeyHeader, "The Idempotency-Key may be at most 100 characters.")
        : null;

    /// <summary>
    /// The body as a <see cref="LeaseRequest"/>, or field errors: required fields, the start's format, an existing
    /// region and SKU, and the rules of <see cref="LeaseRequest.Validate"/> attributed to the field they are about.
    /// </summary>
    private static async Task<(LeaseRequest? Request, IResult? Error)> ParseRequestAsync(LeaseRequestBody body, PortalDbContext db,
        LeaseOptions options, DateTime now, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);

        var region = body.Region?.Trim();
        var sku = body.Sku?.Trim();
        if (string.IsNullOrEmpty(region)) Add("region", "The region is required, e.g. \"us-south-1\".");
        else if (!await db.Regions.AnyAsync(r => r.Id == region && r.RetiredAt == null, ct)) Add("region", $"There is no region '{region}'.");
        if (string.IsNullOrEmpty(sku)) Add("sku", "The GPU SKU is required, e.g. \"h100-sxm-80gb\".");
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
            : (new LeaseRequest(region!, sku!, body.Gpus!.Value, start!.Value, body.Hours!.Value), null);
    }

    private static IResult? CheckSignature(SignBody body)
    {
        var errors = new Dictionary<string, List<string>>();
        var name = body.SignerName?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length < 2 || name.Length > 200)
            errors["signerName"] = ["Type your full name to sign (2 to 200 characters)."];
        if (body.Accept != true) errors["accept"] = ["Accept the agreement to sign it: send \"accept\": true."];
        return errors.Count > 0 ? Invalid(errors) : null;
    }
}
