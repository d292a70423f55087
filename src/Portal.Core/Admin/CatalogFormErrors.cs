namespace Portal.Core.Admin;

/// <summary>The field checks the catalog's edit forms share (SKUs, models, regions): one message per field.</summary>
internal static class CatalogFormErrors
{
    public static void Text(Dictionary<string, string> errors, string field, string value, string what, int max)
    {
        if (value.Length == 0) errors[field] = $"Enter the {what}.";
        else if (value.Length > max) errors[field] = $"The {what} may be at most {max} characters.";
    }

    public static void Range(Dictionary<string, string> errors, string field, int value, int min, int max, string what)
    {
        if (value < min || value > max) errors[field] = $"{what} must be between {min} and {max}.";
    }
}
