using MudBlazor;
using Portal.Core.Refusals;

namespace Portal.Web.Refusals;

/// <summary>
/// How pages show a refused action, for every feature: the refusal's message, in the snackbar or in an inline alert.
/// Only refusals are caught; anything else is a bug and goes to the error boundary.
/// </summary>
public static class PageRefusals
{
    /// <summary>Runs <paramref name="action"/>: null when it was done, else the refusal's message (for an inline alert).</summary>
    public static async Task<string?> RefusalAsync(Func<Task> action) => (await RefusedAsync(action))?.Message;

    /// <summary>
    /// Runs <paramref name="action"/>: null when it was done, else the refusal itself, for a page that shows its code or
    /// acts on it (a lease's quote that expired is quoted again; a lease without capacity offers the free windows).
    /// </summary>
    public static async Task<ActionRefusedException?> RefusedAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (ActionRefusedException e)
        {
            return e;
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> and says how it went in the snackbar: <paramref name="done"/> (if any) when it was
    /// done, the refusal's message as an error when not. True when done.
    /// </summary>
    public static async Task<bool> RunAsync(this ISnackbar snackbar, Func<Task> action, string? done = null)
    {
        var refusal = await RefusalAsync(action);
        if (refusal is not null) snackbar.Add(refusal, Severity.Error);
        else if (done is not null) snackbar.Add(done, Severity.Success);
        return refusal is null;
    }

    /// <summary>The same for an action that says itself what it did (admin actions return the words for Support).</summary>
    public static async Task<bool> ReportAsync(this ISnackbar snackbar, Func<Task<string>> action)
    {
        string? done = null;
        var ok = await snackbar.RunAsync(async () => done = await action());
        if (ok && done is not null) snackbar.Add(done, Severity.Success);
        return ok;
    }
}
