namespace Portal.Core.ScriptJobs;

/// <summary>
/// Named steps of a collection (<c>log-appended</c>: bytes are in the file, their offsets not yet in the database), so
/// that tests can make the collector die exactly there and prove a re-run copies nothing twice.
/// </summary>
public sealed class ScriptJobOutputHooks
{
    public Action<string>? OnStep { get; set; }

    internal void Step(string name) => OnStep?.Invoke(name);
}
