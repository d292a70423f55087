using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Runtime;

namespace Portal.Benchmarks;

/// <summary>
/// The runtime's JIT during a measured phase: methods compiled and time spent compiling (<see cref="JitInfo"/>), per
/// interval, so a steady loop that keeps compiling shows; with <c>--profile-jit</c> also which methods were compiled at
/// which tier (the runtime's own MethodLoadVerbose events, heard in-process), the most frequent printed at the end.
/// </summary>
internal sealed class JitWatch : EventListener
{
    private const EventKeywords JitKeyword = (EventKeywords)0x10;
    private readonly ConcurrentDictionary<string, int> compiled = new();
    private readonly ConcurrentDictionary<string, int> byNamespace = new();
    private readonly bool named;
    private long lastMethods = JitInfo.GetCompiledMethodCount();
    private TimeSpan lastTime = JitInfo.GetCompilationTime();
    private volatile bool counting;

    public long StartMethods { get; private set; }
    public TimeSpan StartTime { get; private set; }

    private JitWatch(bool named) => this.named = named;

    public static JitWatch Start(bool named)
    {
        var watch = new JitWatch(named);
        watch.StartMethods = watch.lastMethods = JitInfo.GetCompiledMethodCount();
        watch.StartTime = watch.lastTime = JitInfo.GetCompilationTime();
        if (named && watch.runtime is { } source) watch.EnableEvents(source, EventLevel.Verbose, JitKeyword);
        watch.counting = true;
        return watch;
    }

    private EventSource? runtime;

    protected override void OnEventSourceCreated(EventSource source)
    {
        // Called from the base constructor too, before this class's fields are set: the source is enabled in Start.
        if (source.Name == "Microsoft-Windows-DotNETRuntime") runtime = source;
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!counting || e.EventName is not "MethodLoadVerbose_V1" and not "MethodLoadVerbose_V2" || e.Payload is null) return;
        string Field(string name) => e.PayloadNames!.IndexOf(name) is var i and >= 0 ? e.Payload![i]?.ToString() ?? "" : "";
        // MethodFlags bits 7-9: the optimisation tier (1 minopts, 2 full, 3 tier 0, 4 tier 1, 5 OSR, 6 instrumented tier 0).
        var flags = uint.TryParse(Field("MethodFlags"), out var f) ? f : 0;
        var tier = $"{(flags >> 7) & 0x7}{((flags & 1) != 0 ? " dynamic" : "")}";
        var key = $"{Field("MethodNamespace")}::{Field("MethodName")} [tier {tier}]";
        compiled.AddOrUpdate(key, 1, (_, n) => n + 1);
        var type = Field("MethodNamespace");
        var ns = string.Join('.', type.Split('`', '[')[0].Split('.').Take(3));
        byNamespace.AddOrUpdate($"{ns} [tier {tier}]", 1, (_, n) => n + 1);
    }

    /// <summary>Methods compiled and compile time since the last call (and since the start).</summary>
    public string Interval()
    {
        var (methods, time) = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
        var line = $"jit +{methods - lastMethods:N0} methods, +{(time - lastTime).TotalMilliseconds:N0} ms " +
            $"(since start {methods - StartMethods:N0}, {(time - StartTime).TotalMilliseconds:N0} ms)";
        (lastMethods, lastTime) = (methods, time);
        return line;
    }

    public void ResetNames()
    {
        compiled.Clear();
        byNamespace.Clear();
    }

    public void PrintTop(TextWriter log, int top = 40)
    {
        if (!named) return;
        log.WriteLine($"  jit: {compiled.Values.Sum():N0} compilations heard, the most frequent:");
        foreach (var (key, n) in compiled.OrderByDescending(kv => kv.Value).Take(top)) log.WriteLine($"    {n,6:N0}  {key}");
        // Dynamic methods are generated code (EF's compiled queries and shapers, Expression.Compile, serializers, IL stubs):
        // a steady loop that keeps generating them has a cache miss somewhere.
        var dynamic = compiled.Where(kv => kv.Key.EndsWith(" dynamic]", StringComparison.Ordinal)).ToList();
        log.WriteLine($"  jit: {dynamic.Sum(kv => kv.Value):N0} dynamic methods compiled: " +
            string.Join(", ", dynamic.OrderByDescending(kv => kv.Value).Take(8).Select(kv => $"{kv.Key} x{kv.Value}")));
        log.WriteLine($"  jit: {compiled.Count:N0} distinct methods and tiers; by namespace and tier:");
        foreach (var (key, n) in byNamespace.OrderByDescending(kv => kv.Value).Take(top)) log.WriteLine($"    {n,6:N0}  {key}");
    }

    public override void Dispose()
    {
        counting = false;
        base.Dispose();
    }
}
