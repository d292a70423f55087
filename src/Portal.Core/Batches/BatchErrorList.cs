using System.Text.Json;

namespace Portal.Core.Batches;

/// <summary>
/// A failed batch's <c>errors.data</c>: the first <see cref="Max"/> problems found (so a file with an error on every
/// one of 50,000 lines stays a readable, small row), then one entry that says how many more there were.
/// Stored as <see cref="Batch.ErrorsJson"/>: <c>[{code, message, param, line}]</c>.
/// </summary>
public sealed class BatchErrorList
{
    public const int Max = 100;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly List<BatchError> kept = [];

    public int Count { get; private set; }
    public IReadOnlyList<BatchError> Kept => kept;

    public void Add(BatchError error)
    {
        if (Count++ < Max) kept.Add(error);
    }

    public string ToJson()
    {
        var all = new List<BatchError>(kept);
        if (Count > Max)
            all.Add(new("too_many_errors", $"{Count - Max:N0} more problems were found and are not listed. Fix the ones above and validate the file again."));
        return JsonSerializer.Serialize(all, Json);
    }

    /// <summary>The entries of a <see cref="Batch.ErrorsJson"/> (empty for null).</summary>
    public static IReadOnlyList<BatchError> Parse(string? errorsJson) =>
        errorsJson is null ? [] : JsonSerializer.Deserialize<List<BatchError>>(errorsJson, Json) ?? [];
}
