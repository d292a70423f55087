using System.Globalization;

namespace Portal.Web.Billing;

/// <summary>Reads "125", "125.5", "$1,250.00" as micro-dollars; at most six decimals, never negative.</summary>
public static class CreditAmount
{
    public static bool TryParse(string? text, out long micros)
    {
        micros = 0;
        var t = text?.Trim().TrimStart('$').Replace(",", "");
        if (!decimal.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var dollars)) return false;
        if (dollars * 1_000_000m != decimal.Truncate(dollars * 1_000_000m) || dollars > 1_000_000_000m) return false;
        micros = (long)(dollars * 1_000_000m);
        return true;
    }
}
