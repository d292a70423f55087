using System.Globalization;
using Portal.Core.Leases;

namespace Portal.Web.Leases;

/// <summary>
/// How the lease API says no (RFC 7807): a refused action is a problem whose <c>code</c> (and <c>type</c>,
/// <c>urn:portal:problem:{code}</c>) is the <see cref="LeaseException.Code"/>; bad input is a validation problem
/// with an error per field.
/// </summary>
internal static class LeaseProblems
{
    public const string ProblemTypePrefix = "urn:portal:problem:";

    /// <summary>Turns a <see cref="LeaseException"/> thrown by any lease endpoint into its problem details.</summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
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

    public static IResult Problem(LeaseException e)
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

    /// <summary>A validation problem with one message for one field.</summary>
    public static IResult Invalid(string field, string message) => Invalid(new Dictionary<string, List<string>> { [field] = [message] });

    /// <summary>A validation problem with the messages for each field.</summary>
    public static IResult Invalid(Dictionary<string, List<string>> errors) => TypedResults.ValidationProblem(
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray()), title: "The request is not valid.", type: ProblemTypePrefix + "invalid_request",
        extensions: new Dictionary<string, object?> { ["code"] = "invalid_request" });

    /// <summary>"hold_expired" → "Hold expired".</summary>
    private static string Title(string code) => code.Length == 0 ? "Refused" : char.ToUpperInvariant(code[0]) + code[1..].Replace('_', ' ');

    /// <summary>A 429's problem with the Retry-After header saying when the next quote will be taken.</summary>
    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
