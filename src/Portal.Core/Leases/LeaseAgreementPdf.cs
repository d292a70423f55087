using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using Portal.Core.Documents;

namespace Portal.Core.Leases;

/// <summary>
/// Renders a signed <see cref="LeaseAgreement"/> to PDF with PDFsharp, from its stored <see cref="SignedTerms"/>. The bytes
/// depend only on them (dates and document ID come from them, not the clock), so rendering again gives the same file.
/// Text is set in the fonts embedded in this assembly (<see cref="PdfFonts"/>), so no host fonts are needed.
/// </summary>
public static partial class LeaseAgreementPdf
{
    const double Margin = 56, LabelWidth = 110; // points (1/72 in): 2 cm margins on A4
    static readonly XBrush Ink = XBrushes.Black, Muted = XBrushes.DimGray;

    /// <summary>The agreement for these terms, signed as given (tests, the benchmark): <see cref="Render(byte[])"/> of their JSON.</summary>
    public static byte[] Render(AgreementTerms terms, AgreementSignature signature) => Render(SignedTerms.Of(terms, signature).ToJson());

    /// <summary>
    /// The signed agreement as PDF bytes from its stored signed terms (<see cref="SignedTerms"/>, canonical JSON): title,
    /// version, lease id, every section as signed, the signature block and the SHA-256 of those JSON bytes.
    /// </summary>
    public static byte[] Render(byte[] signedTermsJson)
    {
        var signed = SignedTerms.Parse(signedTermsJson);
        var (title, signature, sha256) = (signed.Document, signed.Signature, SignedTerms.Sha256(signedTermsJson));
        using var doc = PdfDocumentFile.Create($"{title} {signed.AmendmentId ?? signed.LeaseId}", LeaseAgreement.Provider,
            $"{title}, version {signed.AgreementVersion}, signed by {signature.SignerName}");
        doc.Info.CreationDate = doc.Info.ModificationDate = DateTime.SpecifyKind(signature.SignedAtUtc, DateTimeKind.Utc);
        // A stable trailer /ID (16 bytes) derived from what was signed, instead of a random one.
        var hash = Convert.FromHexString(sha256);
        doc.Internals.FirstDocumentID = doc.Internals.SecondDocumentID = Encoding.Latin1.GetString(hash, 0, 16);

        var (w, f) = (new PdfPageFlow(doc, Margin, footerGap: 14), new Fonts());
        w.Lines(title, f.Title, Ink, spaceAfter: 4);
        w.Lines($"Agreement version {signed.AgreementVersion}", f.Small, Muted);
        var amendment = signed.AgreementVersion == Deals.DealAgreement.Version ? "Amended terms" : "Amendment"; // a deal's, or an extension's
        w.Lines($"Lease {signed.LeaseId}" + (signed.AmendmentId is { } a ? $" · {amendment} {a}" : ""), f.Small, Muted, spaceAfter: 14);
        foreach (var section in signed.Sections)
        {
            w.Keep(f.Heading.GetHeight() * 3);
            w.Lines(section.Heading, f.Heading, Ink, spaceAfter: 3);
            foreach (var paragraph in section.Paragraphs) w.Lines(paragraph, f.Body, Ink, spaceAfter: 5);
            w.Space(6);
        }
        SignatureBlock(w, f, signature);
        w.Space(6);
        w.Lines("What was signed: this agreement's text and the signature above, as canonical JSON recorded at signing. Its SHA-256:",
            f.Small, Muted);
        w.Lines(sha256, f.Small, Ink);
        w.Finish($"{LeaseAgreement.Provider} · agreement {signed.AgreementVersion} · lease {signed.LeaseId}", f.Small, separator: true);

        FixFontSubsetTags(doc);
        return FixXmpIds(PdfDocumentFile.Save(doc), new Guid(hash.AsSpan(16, 16)));
    }

    /// <summary>Per document: XFont instances are not shared between threads.</summary>
    sealed class Fonts
    {
        public readonly XFont Title = PdfFonts.Font(18, true), Heading = PdfFonts.Font(11, true), Body = PdfFonts.Font(10, false),
            Label = PdfFonts.Font(9, true), Small = PdfFonts.Font(8, false);
    }

    static void SignatureBlock(PdfPageFlow w, Fonts f, AgreementSignature s)
    {
        (string Label, string Value)[] rows =
        [
            ("Typed name", s.SignerName), ("E-mail", s.SignerEmail),
            ("Signed at", LeaseAgreement.FormatTime(s.SignedAtUtc)),
            ("IP address", string.IsNullOrWhiteSpace(s.IpAddress) ? "not recorded" : s.IpAddress),
            ("User agent", string.IsNullOrWhiteSpace(s.UserAgent) ? "not recorded" : s.UserAgent),
        ];
        var valueWidth = w.Width - LabelWidth;
        var height = f.Heading.GetHeight() * 2 + f.Body.GetHeight() * 3
            + rows.Sum(r => (w.Wrap(r.Value, f.Body, valueWidth).Count + 0.4) * f.Body.GetHeight());
        w.Keep(Math.Min(height, w.Bottom - Margin));
        w.Rule(height: 12, offset: 4);
        w.Lines("Signature", f.Heading, Ink, spaceAfter: 4);
        foreach (var (label, value) in rows)
        {
            var lines = w.Wrap(value, f.Body, valueWidth);
            w.Keep(f.Body.GetHeight());
            w.Text(label, f.Label, 0, Muted, dy: 1);
            for (var i = 0; i < lines.Count; i++)
            {
                if (i > 0) w.Keep(f.Body.GetHeight());
                w.Text(lines[i], f.Body, LabelWidth, Ink);
                w.Space(f.Body.GetHeight());
            }
            w.Space(f.Body.GetHeight() * 0.4);
        }
        w.Space(4);
        w.Lines($"{s.SignerName} signed electronically by typing their full name and accepting this agreement.", f.Body, Ink);
    }

    /// <summary>PDFsharp tags font subsets ("ABCDEF+DejaVuSans") at random: derive the tag from the font name instead.</summary>
    static void FixFontSubsetTags(PdfDocument doc)
    {
        foreach (var dict in doc.Internals.GetAllObjects().OfType<PdfDictionary>())
            foreach (var key in (string[])["/BaseFont", "/FontName"])
                if (dict.Elements.GetName(key) is { } name && SubsetName().IsMatch(name))
                {
                    var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name[8..]));
                    dict.Elements.SetName(key, "/" + string.Concat(hash[..6].Select(b => (char)('A' + b % 26))) + name[7..]);
                }
    }

    /// <summary>PDFsharp writes random XMP document/instance UUIDs on save: replace them in place (same length, so offsets hold).</summary>
    static byte[] FixXmpIds(byte[] pdf, Guid id) =>
        Encoding.Latin1.GetBytes(XmpUuid().Replace(Encoding.Latin1.GetString(pdf), id.ToString("D")));

    [GeneratedRegex(@"^/[A-Z]{6}\+")] private static partial Regex SubsetName();
    [GeneratedRegex(@"(?<=<xmpMM:(?:DocumentID|InstanceID)>uuid:)[0-9a-fA-F-]{36}(?=</xmpMM:)")] private static partial Regex XmpUuid();
}
