using System.Globalization;

namespace Portal.Core.Catalog;

/// <summary>
/// Node ids written compactly, for events, notifications and pages that name a lease's nodes: runs of consecutive numbers
/// under one prefix become a range ("us-central-9-b200-06251 to 12500"), so 6,250 nodes read as one line, not 6,250.
/// Ids without a number at the end are listed as they are. At most <paramref name="maxParts"/> parts, then "and N more".
/// </summary>
public static class NodeRanges
{
    public static string Format(IEnumerable<string> nodeIds, int maxParts = 20)
    {
        var parsed = nodeIds.Distinct(StringComparer.Ordinal).Select(Split)
            .OrderBy(n => n.Prefix, StringComparer.Ordinal).ThenBy(n => n.Digits.Length).ThenBy(n => n.Number).ThenBy(n => n.Id, StringComparer.Ordinal)
            .ToList();
        var parts = new List<string>();
        for (var i = 0; i < parsed.Count;)
        {
            var first = parsed[i];
            var j = i;
            while (first.Number >= 0 && j + 1 < parsed.Count && parsed[j + 1].Prefix == first.Prefix
                   && parsed[j + 1].Digits.Length == first.Digits.Length && parsed[j + 1].Number == parsed[j].Number + 1)
                j++;
            parts.Add(j == i ? first.Id : $"{first.Id} to {parsed[j].Digits}");
            i = j + 1;
        }
        if (parts.Count <= maxParts) return string.Join(", ", parts);
        return $"{string.Join(", ", parts.Take(maxParts))} and {Counted.Of(parts.Count - maxParts, "more range")}";
    }

    private readonly record struct NodeId(string Id, string Prefix, string Digits, long Number);

    // "us-central-9-b200-06251" → prefix "us-central-9-b200-", digits "06251", number 6251; no trailing digits → number -1.
    private static NodeId Split(string id)
    {
        var k = id.Length;
        while (k > 0 && char.IsAsciiDigit(id[k - 1])) k--;
        var digits = id[k..];
        return digits.Length is > 0 and <= 18 && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? new NodeId(id, id[..k], digits, n)
            : new NodeId(id, id, "", -1);
    }
}
