using System.Globalization;

namespace Portal.Core.Catalog;

/// <summary>
/// Formats micro-dollars at the edge; everything inside stays <c>long</c>. Amounts (spend, costs, invoices, what is
/// left) are shown to the cent with <see cref="Cents"/>, the exact figure on hover (<see cref="ExactIfRounded"/>) and
/// in CSV; unit prices (per GPU-hour, per million tokens) keep their precision with <see cref="Format"/>.
/// </summary>
public static class Money
{
    public const long MicrosPerDollar = 1_000_000;
    private const long MicrosPerCent = 10_000;

    /// <summary>"$2.49", "$14,342.40": cents unless the amount needs more precision ("$0.085"). For prices and exact figures.</summary>
    public static string Format(long micros)
    {
        var dollars = micros / (decimal)MicrosPerDollar;
        var text = dollars.ToString(micros % 10_000 == 0 ? "#,0.00" : "#,0.00####", CultureInfo.InvariantCulture);
        return "$" + text;
    }

    /// <summary>
    /// An amount to the cent: "$499,999.11", "-$3.20" (half a cent rounds away from zero). A non-zero amount under a cent
    /// reads "&lt; $0.01", never "$0.00", so a started lease never looks free.
    /// </summary>
    public static string Cents(long micros)
    {
        if (micros is > 0 and < MicrosPerCent) return "< $0.01";
        if (micros is < 0 and > -MicrosPerCent) return "> -$0.01";
        var cents = Math.Round(Math.Abs(micros) / (decimal)MicrosPerCent, MidpointRounding.AwayFromZero);
        return (micros < 0 ? "-$" : "$") + (cents / 100m).ToString("#,0.00", CultureInfo.InvariantCulture);
    }

    /// <summary>The exact amount when <see cref="Cents"/> rounds it (for a title on hover); null when it is whole cents.</summary>
    public static string? ExactIfRounded(long micros) => micros % MicrosPerCent == 0 ? null : Format(micros);
}
