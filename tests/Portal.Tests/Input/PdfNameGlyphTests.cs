using Portal.Core.Billing;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Input;

/// <summary>
/// CJK and emoji in an organisation's or signer's name print with real glyphs in the agreement and invoice PDFs
/// (DejaVu Sans has neither: they used to come out as empty boxes).
/// </summary>
public sealed class PdfNameGlyphTests
{
    const string Org = "世界 Robotics 🚀 株式会社";
    const string Signer = "山田 太郎 😀🚀 김민준";

    static readonly DateTime Start = new(2026, 12, 1, 9, 0, 0, DateTimeKind.Utc);

    static readonly AgreementTerms Terms = new(Org, Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
        "EU West (Frankfurt)", "H100 80GB SXM", 8, Start, Start.AddHours(720),
        new LeasePrice(8, 720, 2_490_000, 1500, 2_116_500), "Cancel free of charge until 48 hours before the lease starts.");

    static readonly AgreementSignature Signature = new(Signer, "taro@example.jp", new DateTime(2026, 11, 26, 14, 3, 27, DateTimeKind.Utc),
        "203.0.113.7", "Mozilla/5.0");

    [Fact]
    public void The_agreement_prints_CJK_and_emoji_names_with_glyphs()
    {
        var pdf = LeaseAgreementPdf.Render(Terms, Signature);
        Save("agreement-cjk-emoji.pdf", pdf);

        var glyphs = PdfGlyphs.ByFont(pdf);

        AssertPrinted(glyphs, "世", "界", "株", "山", "田", "太", "郎", "김", "민", "준", "🚀", "😀");
        Assert.DoesNotContain(glyphs, f => f.Key.Contains("Droid") && f.Value.Contains("R")); // Latin stays in DejaVu Sans
    }

    [Fact]
    public void The_agreement_with_fallback_glyphs_is_still_deterministic()
    {
        Assert.Equal(LeaseAgreementPdf.Render(Terms, Signature), LeaseAgreementPdf.Render(Terms, Signature));
        Assert.Equal(LeaseAgreementPdf.Render(Terms, Signature with { SignerName = "Ada Lovelace" }),
            LeaseAgreementPdf.Render(Terms, Signature with { SignerName = "Ada Lovelace" }));
    }

    [Fact]
    public void The_invoice_prints_a_CJK_and_emoji_organisation_name_with_glyphs()
    {
        var invoice = new Invoice
        {
            TenantId = Guid.NewGuid(), Number = "INV-2027-01-0001", PeriodStart = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            State = InvoiceState.Issued, SubtotalMicros = 1_000_000, TotalMicros = 1_000_000, IssuedAt = new DateTime(2027, 2, 1, 0, 0, 0, DateTimeKind.Utc),
        };
        var line = new InvoiceLine
        {
            Description = "Lease for 世界 Robotics 🚀", Kind = InvoiceLineKind.Lease, GpuSeconds = 3600, AmountMicros = 1_000_000,
        };
        var pdf = InvoicePdf.Render(new InvoiceDetail(invoice, Org, [line], [], null, null));
        Save("invoice-cjk-emoji.pdf", pdf);

        AssertPrinted(PdfGlyphs.ByFont(pdf), "世", "界", "株", "🚀");
    }

    static void AssertPrinted(Dictionary<string, HashSet<string>> glyphs, params string[] characters)
    {
        var printed = glyphs.Values.SelectMany(c => c).ToHashSet();
        var fonts = string.Join(", ", glyphs.Select(f => $"{f.Key}: {string.Concat(f.Value.Order())}"));
        foreach (var c in characters) Assert.True(printed.Contains(c), $"'{c}' has no glyph in any embedded font ({fonts}).");
    }

    /// <summary>Kept under artifacts/pdf to look at (pdftoppm -png renders a page).</summary>
    static void Save(string name, byte[] pdf)
    {
        var dir = Directory.CreateDirectory(Path.Combine(PortalFactory.RepoRoot, "artifacts", "pdf")).FullName;
        File.WriteAllBytes(Path.Combine(dir, name), pdf);
    }
}
