namespace Portal.Core.Refusals;

/// <summary>
/// Bad input in a form or a request body: one message per field at fault (<c>Name</c>, <c>Slug</c>, …), so a page shows
/// each under its field and the API answers a validation problem (400, <c>invalid_request</c>). Nothing was changed.
/// </summary>
public sealed class FieldsRefusedException(IReadOnlyDictionary<string, string> errors)
    : ActionRefusedException("invalid_request", string.Join(" ", errors.Values), 400)
{
    public IReadOnlyDictionary<string, string> Errors { get; } = errors;
}
