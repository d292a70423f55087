using System.Globalization;

namespace Portal.Core.Catalog;

/// <summary>
/// A number with its noun, singular for one: "1 GPU", "8 GPUs", "1 hour", "1 GPU-hour". Every page, e-mail, PDF and
/// API message that counts GPUs or hours says it through here, so none reads "1 GPUs".
/// </summary>
public static class Counted
{
    public static string Gpus(long n) => Of(n, "GPU");
    public static string Hours(long n) => Of(n, "hour");
    public static string GpuHours(long n) => Of(n, "GPU-hour");
    public static string Nodes(long n) => Of(n, "node");

    /// <summary>"1 GPU", "4,096 GPUs": thousands separated, the noun plural unless the number is one.</summary>
    public static string Of(long n, string singular, string? plural = null) =>
        $"{n.ToString("N0", CultureInfo.InvariantCulture)} {(n == 1 ? singular : plural ?? singular + "s")}";
}
