using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Portal.Core.Leases;

namespace Portal.Tests.Leases;

public sealed class LeaseAgreementPdfTests
{
    static readonly DateTime Start = new(2026, 12, 1, 9, 0, 0, DateTimeKind.Utc);

    internal static readonly AgreementTerms Terms = new("Acme Research Ltd", Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
        "EU West (Frankfurt)", "H100 80GB SXM", 8, Start, Start.AddHours(720),
        new LeasePrice(8, 720, 2_490_000, 1500, 2_116_500),
        "Cancel free of charge until 48 hours before the lease starts. After that, the hours not used are billed at 50%.");

    internal static readonly AgreementSignature Signature = new("Ada Lovelace", "ada@acme.example", new DateTime(2026, 11, 26, 14, 3, 27, DateTimeKind.Utc),
        "203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");

    internal static AgreementTerms Amendment => Terms with
    {
        AmendmentId = Guid.Parse("0193a1b2-0000-7e5f-8a9b-0c1d2e3f4a5b"), PreviousEnd = Terms.End, End = Terms.End.AddHours(168),
        Price = new LeasePrice(8, 168, 2_490_000, 500, 2_365_500),
    };

    static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    /// <summary>The text drawn on the pages: inflates the content streams and joins the literal strings of TJ/Tj.</summary>
    internal static string PageText(byte[] pdf)
    {
        var raw = Encoding.Latin1.GetString(pdf);
        var text = new StringBuilder();
        foreach (Match m in Regex.Matches(raw, @"/Filter/FlateDecode>>\nstream\n(.*?)\nendstream", RegexOptions.Singleline))
        {
            var content = Encoding.Latin1.GetString(Inflate(Encoding.Latin1.GetBytes(m.Groups[1].Value)));
            foreach (Match s in Regex.Matches(content, @"\((?<t>(?:\\.|[^\\)])*)\)\s*Tj")) text.Append(Regex.Unescape(s.Groups["t"].Value)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>PDFsharp's deflate streams may end without the final zlib checksum: keep whatever inflates.</summary>
    internal static byte[] Inflate(byte[] data)
    {
        using var z = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        var buffer = new byte[4096];
        try { for (int n; (n = z.Read(buffer)) > 0;) ms.Write(buffer, 0, n); }
        catch (InvalidDataException) { }
        return ms.ToArray();
    }

    [Fact]
    public void Renders_a_non_trivial_pdf()
    {
        var pdf = LeaseAgreementPdf.Render(Terms, Signature);
        Assert.Equal("%PDF", Encoding.ASCII.GetString(pdf, 0, 4));
        Assert.True(pdf.Length > 10_000, $"only {pdf.Length} bytes");
        Assert.Contains("%%EOF", Encoding.Latin1.GetString(pdf[^32..]));
    }

    [Fact]
    public void Same_inputs_give_the_same_bytes_and_another_signer_another_hash()
    {
        var first = LeaseAgreementPdf.Render(Terms, Signature);
        var second = LeaseAgreementPdf.Render(Terms, Signature);
        Assert.Equal(Sha256(first), Sha256(second));

        Assert.NotEqual(Sha256(first), Sha256(LeaseAgreementPdf.Render(Terms, Signature with { SignerName = "Grace Hopper" })));
        Assert.NotEqual(Sha256(first), Sha256(LeaseAgreementPdf.Render(Terms, Signature with { SignedAtUtc = Signature.SignedAtUtc.AddSeconds(1) })));
    }

    [Fact]
    public void Renders_in_parallel_deterministically()
    {
        var hashes = Enumerable.Range(0, 8).AsParallel().Select(_ => Sha256(LeaseAgreementPdf.Render(Terms, Signature))).Distinct().ToList();
        Assert.Single(hashes);
    }

    [Fact]
    public void The_pages_show_the_terms_and_the_signature_block()
    {
        var text = PageText(LeaseAgreementPdf.Render(Terms, Signature));
        Assert.Contains("GPU Lease Agreement", text);
        Assert.Contains("Ada Lovelace", text);
        Assert.Contains("ada@acme.example", text);
        Assert.Contains("2026-11-26 14:03 UTC", text);
        Assert.Contains("203.0.113.7", text);
        Assert.Contains("Signed electronically".ToLowerInvariant(), text.ToLowerInvariant());
        Assert.Contains(LeaseAgreement.Version, text);
        Assert.Contains("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", text);
        Assert.Matches(@"Page 1 of \d", text);
    }

    [Fact]
    public void The_sections_carry_the_price_discount_cancellation_and_version()
    {
        var all = string.Join("\n", LeaseAgreement.Sections(Terms).SelectMany(s => s.Paragraphs.Prepend(s.Heading)));
        Assert.Equal("GPU Lease Agreement", LeaseAgreement.Title(Terms));
        Assert.Contains("5,760 GPU-hours", all);
        Assert.Contains("$2.49 per GPU-hour = $14,342.40", all);          // list price
        Assert.Contains("15%", all);
        Assert.Contains("a saving of $2,151.36", all);                      // 14342.40 - 12191.04
        Assert.Contains("Total: $12,191.04", all);
        Assert.Contains("2026-12-01 09:00 UTC", all);
        Assert.Contains("2026-12-31 09:00 UTC", all);
        Assert.Contains(Terms.CancellationPolicy, all);
        Assert.Contains("billed monthly in arrears", all);
        Assert.Contains("same SKU in the same region", all);
        Assert.Contains("fees paid", all);
        Assert.Contains(LeaseAgreement.Version, all);
    }

    [Fact]
    public void An_amendment_renders_the_extension_window_and_keeps_the_other_terms()
    {
        Assert.Equal("Lease Extension Amendment", LeaseAgreement.Title(Amendment));
        var all = string.Join("\n", LeaseAgreement.Sections(Amendment).SelectMany(s => s.Paragraphs));
        Assert.Contains("from 2026-12-31 09:00 UTC (inclusive) to 2027-01-07 09:00 UTC (exclusive), 168 hours", all);
        Assert.Contains("Total for the extension: $3,179.232", all);
        Assert.Contains("All other terms of the Lease", all);
        Assert.Contains(Amendment.CancellationPolicy, all);

        var pdf = LeaseAgreementPdf.Render(Amendment, Signature);
        Assert.Equal("%PDF", Encoding.ASCII.GetString(pdf, 0, 4));
        Assert.NotEqual(Sha256(pdf), Sha256(LeaseAgreementPdf.Render(Terms, Signature)));
        Assert.Contains("Lease Extension Amendment", PageText(pdf));
    }

    [Fact]
    public void A_very_long_user_agent_and_name_wrap_instead_of_failing()
    {
        var longAgent = "Mozilla/5.0 " + string.Concat(Enumerable.Repeat("VeryLongTokenWithoutAnySpaces", 40)) + " " + new string('x', 600);
        var signature = Signature with
        {
            SignerName = string.Join(' ', Enumerable.Repeat("Maximiliane-Alexandra", 12)), UserAgent = longAgent, IpAddress = null
        };
        var pdf = LeaseAgreementPdf.Render(Terms, signature);
        Assert.Equal("%PDF", Encoding.ASCII.GetString(pdf, 0, 4));

        var text = PageText(pdf);
        Assert.Contains("not recorded", text);
        Assert.All(text.Split('\n'), line => Assert.True(line.Length < 120, $"line of {line.Length} characters: {line}"));
        Assert.Contains(longAgent.Replace(" ", ""), text.Replace("\n", "").Replace(" ", "")); // all of it, wrapped
    }
}
