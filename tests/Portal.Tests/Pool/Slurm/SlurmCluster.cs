using System.Diagnostics;
using Portal.Core.Pool;

namespace Portal.Tests.Pool.Slurm;

/// <summary>What a Slurm command-line tool answered.</summary>
public sealed record SlurmToolResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;
    public override string ToString() => $"exit {ExitCode}: {Stdout.Trim()} {Stderr.Trim()}".Trim();
}

/// <summary>
/// The real Slurm cluster the <c>Pool=Slurm</c> tests run against: its folder comes from <c>PORTAL_TEST_SLURM</c>
/// (written by <c>scripts/slurm-cluster.sh start</c>, which scripts/test.sh's Slurm phase sets).
/// </summary>
public static class SlurmCluster
{
    public const string Variable = "PORTAL_TEST_SLURM";

    /// <summary>The node the time-limit tests have to themselves (see <see cref="SlurmTimeLimitCollection"/>).</summary>
    public const string SpareNode = "gpu04";

    /// <summary>A tool that hangs must not hold the test run until the hang timeout.</summary>
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The cluster folder; throws a message that says how to start one when the variable is unset.</summary>
    public static string Folder =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } folder
            ? folder
            : throw new InvalidOperationException(
                $"No Slurm cluster: run scripts/slurm-cluster.sh start and set {Variable}=/tmp/portal-slurm");

    /// <summary>The cluster's slurm.conf (what the tools read as SLURM_CONF).</summary>
    public static string Conf => Path.Combine(Folder, "etc", "slurm.conf");

    /// <summary>The job folder the portal and the nodes share (mode 1777, so tenant scripts can write there).</summary>
    public static string JobRoot => Path.Combine(Folder, "jobs");

    /// <summary>Driver settings for this cluster (the driver's defaults otherwise: partition gpu, tenant user nobody).</summary>
    public static SlurmOptions Options() => new() { Conf = Conf, JobRoot = JobRoot };

    /// <summary>Runs a Slurm tool against the cluster, e.g. <c>RunAsync("scontrol", "show", "res", "-o")</c>.</summary>
    public static async Task<SlurmToolResult> RunAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["SLURM_CONF"] = Conf;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ToolTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not answer within {ToolTimeout.TotalSeconds:0} s");
        }
        return new SlurmToolResult(process.ExitCode, await stdout, await stderr);
    }
}
