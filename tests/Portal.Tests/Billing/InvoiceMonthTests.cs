using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Batches;
using Portal.Core.Billing;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Billing;

/// <summary>A whole month on a fake clock, from a lease's start to the invoice issued on the 1st, exact to the micro-dollar.</summary>
public class InvoiceMonthTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    private readonly BillingKit kit = new(factory);

    [Fact]
    public async Task March_is_metered_and_invoiced_on_April_1st_with_leases_a_batch_a_fee_a_lost_node_and_a_credit()
    {
        kit.MoveTo();
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        // A: 8 GPUs for 48 hours from March 1st 10:00.
        var a = await kit.ActiveLeaseAsync(tenantId, ownerId, "us-south-1", "h100-sxm-80gb", 8, 48);
        // C: signed for tomorrow and cancelled now, inside the 24 hours that cost half of the hours.
        var c = await kit.Leases.SignedAsync(tenantId, ownerId, new LeaseRequest("us-east-2", "l40s-48gb", 2, factory.ThisHour.AddHours(10), 10));
        await using (var member = await factory.As(tenantId, ownerId)) await member.Cancelling.CancelAsync(c.Id);
        var fee = 10 * 2 * c.MicrosPerGpuHour / 2;

        // D: 8 GPUs for 10 hours on March 10th; its node fails after 3 hours with nowhere to move: 56 GPU-hours are lost.
        kit.MoveTo(new DateTime(2027, 3, 10, 0, 0, 0, DateTimeKind.Utc));
        var d = await kit.ActiveLeaseAsync(tenantId, ownerId, "us-east-2", "b200-180gb", 8, 10);
        kit.Advance(3);
        var (otherId, otherOwnerId) = await factory.NewTenantAsync();
        await using (var other = await factory.As(otherId, otherOwnerId))
            await other.Quoting.HoldAsync(new LeaseRequest("us-east-2", "b200-180gb",
                await kit.Leases.ReadyGpusAsync("us-east-2", "b200-180gb") - 8, factory.ThisHour, 7));
        await kit.FailNodeAsync(d.Allocations.Single().NodeId);
        Assert.Equal(56, (await kit.Leases.LoadAsync(d.Id)).LostGpuHours);

        // A batch that finished on March 15th (inserted: the batch runner has its own tests).
        kit.MoveTo(new DateTime(2027, 3, 15, 12, 0, 0, DateTimeKind.Utc));
        await InsertFinishedBatchAsync(tenantId, "llama-3.3-70b-instruct", 1_234_567, 345_678, 200_000, 600_000, factory.Now.AddMinutes(-20));
        var batchCost = BatchCost(1_234_567, 345_678, 200_000, 600_000);

        // B: 4 GPUs from March 31st 22:00 for 4 hours: 2 hours in March, 2 in April.
        kit.MoveTo(new DateTime(2027, 3, 31, 22, 0, 0, DateTimeKind.Utc));
        var b = await kit.ActiveLeaseAsync(tenantId, ownerId, "us-east-2", "a100-80gb", 4, 4);
        var credit = await kit.AddCreditRowAsync(tenantId, 25_000_000, reason: "Sorry for the slow support ticket");

        kit.MoveTo(new DateTime(2027, 4, 1, 0, 30, 0, DateTimeKind.Utc));
        Assert.Equal(1, await kit.IssueAsync()); // meters every hour left, then issues March

        var invoice = Assert.Single(await kit.InvoicesAsync(tenantId));
        Assert.Matches(@"^INV-2027-03-\d{4}$", invoice.Number);
        Assert.Equal((InvoiceState.Issued, BillingKit.Month(2027, 3)), (invoice.State, DateTime.SpecifyKind(invoice.PeriodStart, DateTimeKind.Utc)));
        var lines = invoice.Lines;
        Assert.Equal(
            [
                InvoiceLineKind.Lease, InvoiceLineKind.Lease, InvoiceLineKind.Lease, InvoiceLineKind.Model, InvoiceLineKind.CancellationFee,
                InvoiceLineKind.SlaNote,
            ],
            lines.Select(l => l.Kind));
        Assert.Equal((8 * 48 * 3600L, 8 * 48 * a.MicrosPerGpuHour, a.MicrosPerGpuHour), Line(lines, a.Id, InvoiceLineKind.Lease));
        Assert.Equal((8 * 3 * 3600L, 8 * 3 * d.MicrosPerGpuHour, d.MicrosPerGpuHour), Line(lines, d.Id, InvoiceLineKind.Lease)); // lost hours not charged
        Assert.Equal((4 * 2 * 3600L, 4 * 2 * b.MicrosPerGpuHour, b.MicrosPerGpuHour), Line(lines, b.Id, InvoiceLineKind.Lease)); // March's two hours
        var model = lines.Single(l => l.Kind == InvoiceLineKind.Model);
        Assert.Equal((1_234_567L, 345_678L, batchCost), (model.InputTokens, model.OutputTokens, model.AmountMicros));
        Assert.Equal(fee, lines.Single(l => l.Kind == InvoiceLineKind.CancellationFee).AmountMicros);
        var sla = lines.Single(l => l.Kind == InvoiceLineKind.SlaNote);
        Assert.Equal((0L, 56 * d.MicrosPerGpuHour), (sla.AmountMicros, sla.NotChargedMicros));

        var subtotal = 8 * 48 * a.MicrosPerGpuHour + 8 * 3 * d.MicrosPerGpuHour + 4 * 2 * b.MicrosPerGpuHour + batchCost + fee;
        Assert.Equal((subtotal, 25_000_000L, subtotal - 25_000_000), (invoice.SubtotalMicros, invoice.CreditsMicros, invoice.TotalMicros));
        var notice = Assert.Single(await kit.Leases.NotificationsAsync(tenantId, InvoiceIssuer.IssuedNotification));
        Assert.Equal(ownerId, notice.UserId);
        Assert.Contains(invoice.Number, notice.Title);

        // Issuing March again (the recurring job ran twice) issues nothing more.
        Assert.Equal(0, await kit.IssueAsync());
        Assert.Single(await kit.InvoicesAsync(tenantId));

        // April: B's last two hours; the credit is spent, so nothing comes off.
        await kit.EndAsync(b.Id);
        kit.MoveTo(new DateTime(2027, 5, 1, 0, 30, 0, DateTimeKind.Utc));
        await kit.IssueAsync();
        var april = (await kit.InvoicesAsync(tenantId)).Single(i => i.PeriodStart.Month == 4);
        Assert.Equal((4 * 2 * b.MicrosPerGpuHour, 0L), (april.TotalMicros, april.CreditsMicros));
        Assert.Matches(@"^INV-2027-04-\d{4}$", april.Number);
    }

    private static (long, long, long?) Line(List<InvoiceLine> lines, Guid leaseId, InvoiceLineKind kind) =>
        lines.Single(l => l.LeaseId == leaseId && l.Kind == kind) is var l ? (l.GpuSeconds, l.AmountMicros, l.MicrosPerGpuHour) : default;

    private static long BatchCost(long input, long output, long inPrice, long outPrice) => (input * inPrice + output * outPrice + 500_000) / 1_000_000;

    private async Task InsertFinishedBatchAsync(Guid tenantId, string model, long input, long output, long inPrice, long outPrice, DateTime finishedAt)
    {
        using var scope = factory.Services.CreateScope();
        await using var db = factory.CreateDbContext(scope);
        var file = new BatchFile
        {
            Id = "file-" + Guid.NewGuid().ToString("N")[..20], TenantId = tenantId, Filename = "in.jsonl", Purpose = "batch", CreatedAt = finishedAt,
        };
        db.BatchFiles.Add(file);
        db.Batches.Add(new Batch
        {
            Id = "batch_" + Guid.NewGuid().ToString("N")[..24], TenantId = tenantId, Endpoint = "/v1/chat/completions", InputFileId = file.Id,
            Status = BatchStatus.Completed, Model = model, InputTokens = input, OutputTokens = output, InputMicrosPerMillionTokens = inPrice,
            OutputMicrosPerMillionTokens = outPrice, CostMicros = BatchCost(input, output, inPrice, outPrice),
            CreatedAt = finishedAt.AddHours(-1), ExpiresAt = finishedAt.AddHours(23), CompletedAt = finishedAt,
        });
        await db.SaveChangesAsync();
    }
}
