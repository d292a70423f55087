using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.Core.Pool.Slurm;

/// <summary>
/// Reads the one-line <c>Key=Value Key=Value</c> records of <c>scontrol show ... -o</c> (22.05 has no --json for
/// scontrol). Values may hold spaces (<c>Reason=portal: drain [root@...]</c>, <c>OS=Linux 6.1 #1 SMP</c>): a word that
/// does not start with <c>Key=</c> belongs to the value before it. For a key seen twice (the job's <c>-d</c> detail
/// repeats <c>Nodes=</c>) the first wins.
/// </summary>
public static partial class SlurmText
{
    public static IReadOnlyList<Dictionary<string, string>> ParseRecords(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => KeyStart().IsMatch(l)).Select(ParseRecord)];

    public static Dictionary<string, string> ParseRecord(string line)
    {
        var record = new Dictionary<string, string>(StringComparer.Ordinal);
        string? key = null;
        var value = "";
        foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (KeyStart().Match(word) is { Success: true } m)
            {
                Flush();
                key = m.Groups[1].Value;
                value = word[(key.Length + 1)..];
            }
            else if (key is not null) value = value.Length == 0 ? word : value + " " + word;
        }
        Flush();
        return record;

        void Flush()
        {
            if (key is not null) record.TryAdd(key, value);
        }
    }

    /// <summary>Slurm's hostlist expressions: <c>gpu[01-03,05],login1</c> → gpu01 gpu02 gpu03 gpu05 login1.</summary>
    public static IReadOnlyList<string> ExpandHostList(string? list)
    {
        if (string.IsNullOrWhiteSpace(list) || list == "(null)") return [];
        var result = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= list.Length; i++)
        {
            if (i == list.Length || (list[i] == ',' && depth == 0))
            {
                Expand(list[start..i], result);
                start = i + 1;
            }
            else if (list[i] == '[') depth++;
            else if (list[i] == ']') depth--;
        }
        return result;
    }

    private static void Expand(string item, List<string> into)
    {
        var open = item.IndexOf('[');
        if (open < 0)
        {
            if (item.Length > 0) into.Add(item);
            return;
        }
        var close = item.IndexOf(']', open);
        var (prefix, ranges, suffix) = (item[..open], item[(open + 1)..close], item[(close + 1)..]);
        var tails = new List<string>();
        Expand(suffix, tails);
        if (tails.Count == 0) tails.Add("");
        foreach (var range in ranges.Split(','))
        {
            var parts = range.Split('-');
            var width = parts[0].Length;
            var (from, to) = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[^1], CultureInfo.InvariantCulture));
            for (var n = from; n <= to; n++)
                foreach (var tail in tails) into.Add(prefix + n.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0') + tail);
        }
    }

    /// <summary>GPU indexes of a job's detail, e.g. <c>GRES=gpu:2(IDX:0-1)</c> or <c>gpu:tesla:3(IDX:0,2-3)</c>.</summary>
    public static int[] GpuIndexes(string? gres)
    {
        if (gres is null || GresIndexes().Match(gres) is not { Success: true } m) return [];
        var indexes = new List<int>();
        foreach (var range in m.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = range.Split('-');
            if (!int.TryParse(parts[0], CultureInfo.InvariantCulture, out var from)) continue;
            var to = parts.Length > 1 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var t) ? t : from;
            for (var i = from; i <= to; i++) indexes.Add(i);
        }
        return [.. indexes];
    }

    /// <summary>GPUs of a node's <c>Gres=gpu:8</c> (also <c>gpu:h100:8(S:0-1)</c>); 0 when it has none.</summary>
    public static int GpuCount(string? gres)
    {
        if (gres is null) return 0;
        var total = 0;
        foreach (var item in gres.Split(','))
            if (GresCount().Match(item) is { Success: true } m) total += int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return total;
    }

    /// <summary>A time as the tools print it (the driver runs them with TZ=UTC); null for Unknown, None, N/A.</summary>
    public static DateTime? ParseTime(string? value) =>
        DateTime.TryParseExact(value, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at) ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : null;

    /// <summary>A UTC time for the tools (which read it in TZ=UTC), in whole seconds.</summary>
    public static string FormatTime(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9_/:]*)=")]
    private static partial Regex KeyStart();

    [GeneratedRegex(@"IDX:([0-9,\-]+)\)")]
    private static partial Regex GresIndexes();

    [GeneratedRegex(@"^gpu(?::[^:(]+)?:(\d+)")]
    private static partial Regex GresCount();
}
