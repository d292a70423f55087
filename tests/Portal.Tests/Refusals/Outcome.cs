using Portal.Core.Refusals;

namespace Portal.Tests.Refusals;

/// <summary>
/// What an action that returns what it did, or throws a refusal, came to: for tests that check both ways in one line.
/// </summary>
public sealed record Outcome(bool Succeeded, string Message)
{
    public static async Task<Outcome> Of(Task<string> action)
    {
        try
        {
            return new Outcome(true, await action);
        }
        catch (ActionRefusedException e)
        {
            return new Outcome(false, e.Message);
        }
    }
}
