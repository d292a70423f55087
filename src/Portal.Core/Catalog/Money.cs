using System.Globalization;

namespace Portal.Core.Catalog;

/// <summary>Formats micro-dollars at the edge; everything inside stays <c>long</c>.</summary>
public static class Money
{
    public const long MicrosPerDollar = 1_000_000;

    /// <summary>"$2.49", "$14,342.40": cents unless the amount needs more precision ("$0.085").</summary>
    public static string Format(long micros)
    {
        var dollars = micros / (decimal)MicrosPerDollar;
        var text = dollars.ToString(micros % 10_000 == 0 ? "#,0.00" : "#,0.00####", CultureInfo.InvariantCulture);
        return "$" + text;
    }
}
