using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Portal.Core.Billing;
using Portal.Core.Leases;
using Portal.Tests.Leases;

namespace Portal.Tests.Documents;

/// <summary>
/// Pins the exact output of the agreement and invoice PDFs for fixed inputs. A signed agreement's SHA-256 is stored at
/// signing and checked by re-rendering, so any change to its layout (fonts, margins, wrapping, page breaks) must show up
/// here first. The invoice carries the clock and random IDs in its metadata, so its pages' drawing is pinned instead.
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

    [Theory]
    [InlineData("standard", "6086889106D1B36D1448B21079F643009F81538CA32121B7593F4A4618D53DAB")]
    [InlineData("amendment", "75B6E5719653DACCAE4E5EF129F72AC47CBF8B0F70AD9D7EB379522E66F171BA")]
    [InlineData("long", "7FF52CB5C93A5A4CC284F59EA4B2D106C65FE4FF6AF2B1D2CCFCAA12478EDA34")]
    public void The_agreement_bytes_are_pinned(string fixture, string sha256)
    {
        var pdf = fixture switch
        {
            "standard" => LeaseAgreementPdf.Render(Terms, Signature),
            "amendment" => LeaseAgreementPdf.Render(LeaseAgreementPdfTests.Amendment, Signature),
            _ => LeaseAgreementPdf.Render(Terms with { TenantName = "世界 Robotics 🚀 株式会社" }, LongSignature),
        };
        Assert.Equal(sha256, Convert.ToHexString(SHA256.HashData(pdf)));
    }

    [Fact]
    public void The_invoice_pages_are_pinned()
    {
        var pdf = InvoicePdf.Render(LongInvoice());
        var drawn = Convert.ToHexString(SHA256.HashData(Encoding.Latin1.GetBytes(PageStreams(pdf))));
        Assert.Equal("7243D305768BE534A64CAC3BB46E345CB1778BB9B5BB07EEF7D6920A1303B574", drawn);
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
