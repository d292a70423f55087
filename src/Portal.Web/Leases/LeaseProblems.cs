using Portal.Web.Refusals;

namespace Portal.Web.Leases;

/// <summary>
/// The lease API's answers to bad input found by the endpoint itself (RFC 7807): a validation problem with an error per
/// field, shaped as <see cref="Portal.Web.Refusals.RefusalProblem"/>'s. Refused actions are not mapped here: the
/// refusal middleware (<see cref="Portal.Web.Refusals.RefusalResponses"/>) answers them for every API.
/// </summary>
internal static class LeaseProblems
{
    /// <summary>A validation problem with one message for one field.</summary>
    public static IResult Invalid(string field, string message) => Invalid(new Dictionary<string, List<string>> { [field] = [message] });

    /// <summary>A validation problem with the messages for each field.</summary>
    public static IResult Invalid(Dictionary<string, List<string>> errors) => TypedResults.ValidationProblem(
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray()), title: "The request is not valid.", type: RefusalProblem.TypePrefix + "invalid_request",
        extensions: new Dictionary<string, object?> { ["code"] = "invalid_request" });
}
