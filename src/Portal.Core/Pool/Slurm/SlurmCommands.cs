using System.Diagnostics;
using System.Text;

namespace Portal.Core.Pool.Slurm;

/// <summary>What a Slurm command-line tool answered.</summary>
public sealed record SlurmCommandResult(int ExitCode, string Stdout, string Stderr, bool TimedOut = false)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>The tool's own words (stderr, else stdout), without the "sbatch: error: " style prefixes.</summary>
    public string Message
    {
        get
        {
            if (TimedOut) return "The Slurm command did not answer in time.";
            var text = (Stderr.Trim().Length > 0 ? Stderr : Stdout).Trim();
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(l => l.Replace("sbatch: error: ", "").Replace("scontrol: error: ", "").Replace("scancel: error: ", ""));
            return string.Join(" ", lines);
        }
    }

    /// <summary>
    /// The controller could not be reached (connection refused, timed out, or a config the tool cannot load). Checked on
    /// Slurm 22.05: queries say "Unable to contact slurm controller (connect failure)", reservation updates only
    /// "Unexpected message received", both after about 9 s.
    /// </summary>
    public bool Unreachable => TimedOut || Unreachables.Any(u => Stderr.Contains(u, StringComparison.OrdinalIgnoreCase));

    private static readonly string[] Unreachables =
    [
        "Unable to contact slurm controller", "connect failure", "Unexpected message received", "Socket timed out",
        "Zero Bytes were transmitted", "Unable to process configuration file", "Connection refused",
    ];
}

/// <summary>
/// Runs Slurm's command-line tools for one cluster: <c>SLURM_CONF</c> from the settings, <c>TZ=UTC</c> because the
/// tools read and print times in their own process's local time without a zone (checked: TZ=America/New_York shifts
/// <c>scontrol show res</c> by five hours), so the driver speaks UTC to them whatever the machine's zone.
/// </summary>
public sealed class SlurmCommands(SlurmOptions options)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public async Task<SlurmCommandResult> RunAsync(string tool, IEnumerable<string> args, CancellationToken ct, TimeSpan? timeout = null)
    {
        var path = options.BinDir is { Length: > 0 } bin ? Path.Combine(bin, tool) : tool;
        return await RunProcessAsync(path, args, ct, timeout ?? DefaultTimeout, options.Conf);
    }

    /// <summary>Runs any program with the cluster's environment (also used for id and chown around job folders).</summary>
    public static async Task<SlurmCommandResult> RunProcessAsync(string program, IEnumerable<string> args, CancellationToken ct,
        TimeSpan timeout, string? conf = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        if (conf is { Length: > 0 }) start.Environment["SLURM_CONF"] = conf;
        start.Environment["TZ"] = "UTC";
        using var process = new Process { StartInfo = start };
        try { process.Start(); }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new SlurmCommandResult(127, "", $"Could not run {program}: {e.Message}");
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            ct.ThrowIfCancellationRequested();
            return new SlurmCommandResult(-1, await stdout, await stderr, TimedOut: true);
        }
        return new SlurmCommandResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>The cluster could not be reached: the caller retries (the lease's provisioning, the job supervisor).</summary>
public sealed class SlurmUnreachableException(string message) : Exception(message);
