using MudBlazor;
using Portal.Core.Refusals;

namespace Portal.Web.Refusals;

/// <summary>
/// A form's save, as its page shows it: the service's words in the snackbar when saved; when refused, the refusal in the
/// snackbar and, for bad input, one message under each field at fault (<see cref="this[string]"/>).
/// </summary>
public sealed class FormSave
{
    private static readonly IReadOnlyDictionary<string, string> NoErrors = new Dictionary<string, string>();

    private FormSave(bool saved, IReadOnlyDictionary<string, string> errors) => (Saved, Errors) = (saved, errors);

    public bool Saved { get; }
    public IReadOnlyDictionary<string, string> Errors { get; }
    public string? this[string field] => Errors.GetValueOrDefault(field);

    public static async Task<FormSave> RunAsync(ISnackbar snackbar, Func<Task<string>> save)
    {
        string done = "";
        var refusal = await PageRefusals.RefusedAsync(async () => done = await save());
        if (refusal is null)
        {
            snackbar.Add(done, Severity.Success);
            return new FormSave(true, NoErrors);
        }
        var errors = (refusal as FieldsRefusedException)?.Errors ?? NoErrors;
        snackbar.Add(errors.Count > 0 ? "Nothing was saved: " + refusal.Message : refusal.Message, Severity.Error);
        return new FormSave(false, errors);
    }
}
