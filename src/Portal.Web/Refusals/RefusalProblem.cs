using System.Globalization;
using Portal.Core.Leases;
using Portal.Core.Refusals;
using Portal.Web.Leases;

namespace Portal.Web.Refusals;

/// <summary>
/// How the JSON API (/api/v1) says no, for every feature (RFC 7807): a refused action is a problem with its status,
/// <c>detail</c> (the message), <c>code</c> and <c>type</c> <c>urn:portal:problem:{code}</c>, titled after the code
/// ("hold_expired" → "Hold expired"). Bad fields are a validation problem (an error per field, as the lease API's own);
/// a lease without capacity adds the nearest free windows; too many quotes adds Retry-After.
/// </summary>
public static class RefusalProblem
{
    public const string TypePrefix = "urn:portal:problem:";

    public static IResult From(ActionRefusedException e)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = e.Code };
        if (e is FieldsRefusedException fields)
            return TypedResults.ValidationProblem(fields.Errors.ToDictionary(f => f.Key, f => new[] { f.Value }), title: "The request is not valid.",
                type: TypePrefix + e.Code, extensions: extensions);
        if (e is NoCapacityException n)
        {
            extensions["earlierWindows"] = n.EarlierWindows.Select(WindowJson.From).ToList();
            extensions["laterWindows"] = n.LaterWindows.Select(WindowJson.From).ToList();
        }
        var problem = TypedResults.Problem(detail: e.Message, statusCode: e.Status, title: Title(e.Code), type: TypePrefix + e.Code,
            extensions: extensions);
        return e is QuoteRateLimitedException limited ? new RetryAfterResult(problem, limited.RetryAfterSeconds) : problem;
    }

    /// <summary>"hold_expired" → "Hold expired".</summary>
    public static string Title(string code) => code.Length == 0 ? "Refused" : char.ToUpperInvariant(code[0]) + code[1..].Replace('_', ' ');

    /// <summary>A 429's problem with the Retry-After header saying when the next try will be taken.</summary>
    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
