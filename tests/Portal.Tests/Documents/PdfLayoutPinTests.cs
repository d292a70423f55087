using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Portal.Core.Billing;
using Portal.Core.Leases;
using Portal.Tests.Leases;

namespace Portal.Tests.Documents;

/// <summary>
/// Pins the exact output of the agreement and invoice PDFs for fixed inputs. What a lease records at signing is the SHA-256
/// of its signed terms (SignedTerms' JSON), not of the PDF, and the PDF job stores a lease's PDF once; still, a change to the
/// layout (fonts, margins, wrapping, page breaks) should be a decision, so it must show up here first. The invoice carries the clock
/// and random IDs in its metadata, so its pages' drawing is pinned instead.
/// </summary>
public sealed class PdfLayoutPinTests
{
    static readonly AgreementTerms Terms = LeaseAgreementPdfTests.Terms;
    static readonly AgreementSignature Signature = LeaseAgreementPdfTests.Signature;

    // A name and user agent long enough to wrap, break mid-word and push the signature block to another page.
    static readonly AgreementSignature LongSignature = Signature with
    {
        SignerName = "山田 太郎 😀🚀 김민준 " + string.Concat(Enumerable.Repeat("Bartholomew-", 12)),
        UserAgent = string.Concat(Enumerable.Repeat("Mozilla/5.0(X11;Linux;x86_64)AppleWebKit/537.36", 30)),
    };

    // Re-pinned for the PDF rendered from the signed terms, printing their SHA-256 (issue 17), and agreement 2026-12-v3 (the terms'
    // ChosenFrom; the text of a lease of one SKU is unchanged).
    [Theory]
    [InlineData("standard", "B8DF4658E7F50FC0B25895FC6B1378F39D407155B5804DA291A4E56706755B4D")]
    [InlineData("amendment", "F6E57883FCF8B904C06AC85D9D8BC38D0D83B48585843AB3E8B858B5361C837A")]
    [InlineData("long", "107A98EF8FB549A14A83C8713450D5BC4B5F8B648374AFC5706846062D56E066")]
    public void The_agreement_bytes_are_pinned(string fixture, string sha256)
    {
        var pdf = fixture switch
        {
            "standard" => LeaseAgreementPdf.Render(Terms, Signature),
            "amendment" => LeaseAgreementPdf.Render(LeaseAgreementPdfTests.Amendment, Signature),
            _ => LeaseAgreementPdf.Render(Terms with { TenantName = "世界 Robotics 🚀 株式会社" }, LongSignature),
        };
        var actual = Convert.ToHexString(SHA256.HashData(pdf));
        Assert.True(sha256 == actual, $"The {fixture} agreement renders to SHA-256 {actual}: re-pin it if the change was meant.");
    }

    [Fact]
    public void The_invoice_pages_are_pinned()
    {
        var pdf = InvoicePdf.Render(LongInvoice());
        var drawn = Convert.ToHexString(SHA256.HashData(Encoding.Latin1.GetBytes(PageStreams(pdf))));
        Assert.Equal("C0C94C4C4DFF6B1143F81A22169F0FA6F340B10CAEB3DADF31F0A1588B1EA1B8", drawn);
    }

    /// <summary>Two pages of lines of every kind, two credits, a replaced number and a void reason.</summary>
    static InvoiceDetail LongInvoice()
    {
        var invoice = new Invoice
        {
            TenantId = Guid.Empty, Number = "INV-2027-01-0042", PeriodStart = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            State = InvoiceState.Void, VoidReason = "Re-issued with the corrected SLA credit", SubtotalMicros = 123_456_789,
            CreditsMicros = 1_250_000, TotalMicros = 122_206_789, IssuedAt = new DateTime(2027, 2, 1, 0, 0, 0, DateTimeKind.Utc),
        };
        var lines = Enumerable.Range(0, 40).Select(i => new InvoiceLine
        {
            Position = i, Kind = (InvoiceLineKind)(i % 4), GpuSeconds = 3600L * (i + 1), MicrosPerGpuHour = i % 2 == 0 ? 2_490_000 : null,
            InputTokens = 1_000_000L * i, OutputTokens = 7_000L * i, AmountMicros = 1_000_000L * i,
            Description = i % 5 == 0
                ? $"Lease {i} for 世界 Robotics 🚀: 8 × H100 80GB SXM in eu-west, a description long enough to wrap over two or three lines"
                : $"Line {i}: 8 × H100 80GB SXM in eu-west",
        }).ToList();
        AppliedCredit Credit(CreditKind kind, string reason, long micros) =>
            new(new Credit { Kind = kind, Reason = reason, CreatedByName = "Support", AmountMicros = micros }, micros);
        return new InvoiceDetail(invoice, "世界 Robotics 🚀 株式会社", lines,
            [Credit(CreditKind.Goodwill, "Late start, sorry", 250_000), Credit(CreditKind.SlaCredit, "Node failure on 12 January, lost hours", 1_000_000)],
            "INV-2027-01-0007", null);
    }

    /// <summary>Every compressed stream (page contents and font subsets), inflated: what the pages draw, without the metadata.</summary>
    static string PageStreams(byte[] pdf)
    {
        var raw = Encoding.Latin1.GetString(pdf);
        var all = new StringBuilder();
        foreach (Match m in Regex.Matches(raw, @"/Filter/FlateDecode[^>]*>>\nstream\n(.*?)\nendstream", RegexOptions.Singleline))
            all.Append(Encoding.Latin1.GetString(LeaseAgreementPdfTests.Inflate(Encoding.Latin1.GetBytes(m.Groups[1].Value)))).Append('\n');
        return all.ToString();
    }
}
