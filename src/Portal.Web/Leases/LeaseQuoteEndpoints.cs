using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Leases;
using static Portal.Web.Leases.LeaseApiInput;

namespace Portal.Web.Leases;

/// <summary>POST /api/v1/leases/quote and /check: hold a lease's capacity at a price, or only ask whether it would fit.</summary>
internal static class LeaseQuoteEndpoints
{
    public static async Task<IResult> QuoteAsync(HttpRequest http, [FromHeader(Name = LeaseApi.IdempotencyKeyHeader)] string? idempotencyKey,
        LeaseQuoting quoting, FlexibleSkuChoice chooser, LeaseQueries leases, IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time,
        IOptions<LeaseOptions> options, CancellationToken ct)
    {
        if (CheckIdempotencyKey(idempotencyKey) is { } badKey) return badKey;
        var (body, error) = await ReadBodyAsync<LeaseRequestBody>(http, ct);
        if (error is not null) return error;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (request, invalid) = await ParseRequestAsync(body!, db, options.Value, time.GetUtcNow().UtcDateTime, ct);
        if (invalid is not null) return invalid;

        var key = Key(idempotencyKey);
        if (body!.IsFlexible)
            return await FlexibleLeaseEndpoints.QuoteAsync(FlexibleLeaseEndpoints.From(request!, body), key, db, chooser, leases, options, time, ct);
        var replay = key is not null && await db.Leases.AnyAsync(l => l.QuoteKey == key, ct);
        Lease held;
        try
        {
            held = await quoting.HoldAsync(request!, key, ct);
        }
        catch (DbUpdateException) when (key is not null)
        {
            // The same key raced in twice and the other request's hold was saved first: answer with that one.
            held = await quoting.HoldAsync(request!, key, ct);
            replay = true;
        }
        var json = new LeaseJson(await leases.GetAsync(held.Id, ct) ?? held, time.GetUtcNow().UtcDateTime);
        return replay ? TypedResults.Ok(json) : TypedResults.Created($"{LeaseApi.Base}/{held.Id}", json);
    }

    public static async Task<IResult> CheckAsync(HttpRequest http, LeaseAvailability availability, FlexibleSkuChoice chooser,
        IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time, IOptions<LeaseOptions> options, CancellationToken ct)
    {
        var (body, error) = await ReadBodyAsync<LeaseRequestBody>(http, ct);
        if (error is not null) return error;
        LeaseRequest? request;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var now = time.GetUtcNow().UtcDateTime;
            (request, var invalid) = await ParseRequestAsync(body!, db, options.Value, now, ct);
            if (invalid is not null) return invalid;
            if (body!.IsFlexible)
            {
                var flexible = FlexibleLeaseEndpoints.From(request!, body);
                return await FlexibleLeaseEndpoints.CheckSetAsync(db, flexible, options.Value, now, ct)
                       ?? await FlexibleLeaseEndpoints.CheckAsync(flexible, chooser, ct);
            }
        }
        var fit = await availability.CheckAsync(request!, ct);
        if (fit.Errors.Count > 0) return LeaseProblems.Invalid("body", string.Join(" ", fit.Errors));
        // Alternatives cost a look at every pool: only worth it when the request does not fit where asked.
        var alternatives = fit.Fits ? [] : await availability.AlternativesAsync(request!, ct);
        return TypedResults.Ok(new LeaseCheckJson(fit.Fits, fit.Reason, fit.Price is { } p ? PriceJson.From(p) : null,
            [.. fit.EarlierWindows.Select(WindowJson.From)], [.. fit.LaterWindows.Select(WindowJson.From)],
            [.. alternatives.Select(a => new LeaseAlternativeJson(a.RegionId, a.SkuId, a.SkuName, PriceJson.From(a.Price)))]));
    }
}
