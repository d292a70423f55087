using System.Text;

namespace Portal.Core.ScriptJobs;

/// <summary>
/// Masks a job's secret values in its log bytes: every occurrence becomes <see cref="Mask"/>. A chunk's last
/// (longest secret - 1) bytes are held back unless the log has ended, since a secret may continue in the next chunk;
/// the caller copies only <see cref="Result.Consumed"/> bytes and reads the rest again with what follows.
/// </summary>
public sealed class ScriptJobSecretMask
{
    public const string Mask = "********";
    private static readonly byte[] MaskBytes = Encoding.UTF8.GetBytes(Mask);
    private readonly byte[][] secrets;

    public ScriptJobSecretMask(IEnumerable<string> values)
    {
        secrets = [.. values.Where(v => v.Length > 0).Distinct().Select(Encoding.UTF8.GetBytes).OrderByDescending(b => b.Length)];
        HoldBack = secrets.Length == 0 ? 0 : secrets[0].Length - 1;
    }

    /// <summary>Bytes at the end of a chunk that wait for the next one.</summary>
    public int HoldBack { get; }

    /// <param name="Output">The masked bytes to keep.</param>
    /// <param name="Consumed">How many input bytes <paramref name="Output"/> stands for.</param>
    public sealed record Result(byte[] Output, int Consumed);

    /// <summary>As the span overload; a chunk with nothing to mask or hold back is kept as it is, not copied (a megabyte per read).</summary>
    public Result Apply(byte[] data, bool final) =>
        secrets.Length == 0 ? new(data, data.Length) : Apply((ReadOnlySpan<byte>)data, final);

    /// <param name="final">No more bytes follow <paramref name="data"/>: nothing is held back.</param>
    public Result Apply(ReadOnlySpan<byte> data, bool final)
    {
        var cut = final ? data.Length : Math.Max(0, data.Length - HoldBack);
        if (secrets.Length == 0) return new(data[..cut].ToArray(), cut);

        var matches = FindMatches(data);
        // A secret that starts before the cut but ends after it is not masked by halves: it waits whole for the next chunk.
        foreach (var (start, length) in matches)
            if (start < cut && start + length > cut) { cut = start; break; }

        using var output = new MemoryStream(cut + 64);
        var at = 0;
        foreach (var (start, length) in matches)
        {
            if (start + length > cut) break;
            output.Write(data[at..start]);
            output.Write(MaskBytes);
            at = start + length;
        }
        output.Write(data[at..cut]);
        return new(output.ToArray(), cut);
    }

    /// <summary>Non-overlapping occurrences, left to right; at one position the longest secret wins.</summary>
    private List<(int Start, int Length)> FindMatches(ReadOnlySpan<byte> data)
    {
        var all = new List<(int Start, int Length)>();
        foreach (var secret in secrets)
        {
            for (var from = 0; from <= data.Length - secret.Length;)
            {
                var i = data[from..].IndexOf(secret);
                if (i < 0) break;
                all.Add((from + i, secret.Length));
                from += i + 1;
            }
        }
        all.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Length.CompareTo(a.Length));
        var chosen = new List<(int Start, int Length)>();
        var end = 0;
        foreach (var m in all)
        {
            if (m.Start < end) continue;
            chosen.Add(m);
            end = m.Start + m.Length;
        }
        return chosen;
    }
}
