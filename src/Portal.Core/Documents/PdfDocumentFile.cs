using PdfSharp.Pdf;

namespace Portal.Core.Documents;

/// <summary>The parts every Portal PDF shares: the document properties a reader shows, and saving to bytes.</summary>
internal static class PdfDocumentFile
{
    /// <summary>A new document with its title, author and subject set, and the embedded fonts registered.</summary>
    public static PdfDocument Create(string title, string author, string? subject = null)
    {
        PdfFonts.EnsureFontResolver();
        var doc = new PdfDocument();
        doc.Info.Title = title;
        doc.Info.Author = author;
        if (subject is not null) doc.Info.Subject = subject;
        doc.Info.Creator = "Portal";
        return doc;
    }

    public static byte[] Save(PdfDocument doc)
    {
        using var ms = new MemoryStream();
        doc.Save(ms, false);
        return ms.ToArray();
    }
}
