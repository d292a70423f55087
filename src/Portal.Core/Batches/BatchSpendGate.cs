using Microsoft.Extensions.Options;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Spend;
using Portal.Core.Tenancy;

namespace Portal.Core.Batches;

/// <summary>
/// Whether the current organisation may start a batch: suspended organisations and those with nothing left of their
/// monthly spend limit start nothing. A batch's cost is not known before it runs (its model and tokens are known after
/// validation), so a batch is refused when the month's forecast (<see cref="SpendMonth"/>) has reached the limit.
/// </summary>
public sealed class BatchSpendGate(CurrentTenant tenant, TimeProvider time, IOptions<SpendOptions> spendOptions)
{
    public async Task EnsureCanStartAsync(PortalDbContext db, CancellationToken ct)
    {
        await tenant.EnsureCanSpendAsync(db, ct); // a TenantActionRefusedException, "tenant_suspended" on /v1 as on pages

        var month = await MonthSpendReader.ReadAsync(db, tenant.TenantId!.Value, time.GetUtcNow().UtcDateTime, spendOptions.Value, ct);
        if (month.LeftMicros <= 0)
            throw new BatchException(403,
                $"This month's spend is forecast at {Money.Format(month.ForecastMicros)}: $0.00 of your {Money.Format(month.LimitMicros)} monthly limit " +
                "is left, so no new batch can start. An Owner can raise the limit in the organisation's settings.",
                code: "spend_limit_exceeded", type: "insufficient_quota");
    }
}
