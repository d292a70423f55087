using System.Runtime.CompilerServices;

namespace Portal.Tests.Infrastructure;

internal static class BunitDefaults
{
    /// <summary>
    /// bUnit's waits give up after 1 s by default; a page action that goes through a real service and database (an
    /// invitation on PostgreSQL, with its lock and e-mail) took longer than that on a busy 2-core CI machine. A wait
    /// ends as soon as its assertion passes, so the longer limit costs nothing when the test is green.
    /// </summary>
    [ModuleInitializer]
    internal static void Initialize() => Bunit.BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(15);
}
