using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Leases;

namespace Portal.Web.Leases;

public static partial class LeaseApi
{
    private static async Task<IResult> QuoteAsync(HttpRequest http, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        LeaseService leases, IDbContextFactory<PortalDbContext> dbFactory, TimeProvider time, IOptions<LeaseOptions> options, CancellationToken ct)
    {
        if (CheckIdempotencyKey(idempotencyKey) is { } badKey) return badKey;
        var (body, error) = await ReadBodyAsync<LeaseRequestBody>(http, ct);
        if (error is not null) return error;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (request, invalid) = await ParseRequestAsync(body!, db, options.Value, Now(time), ct);
        if (invalid is not null) return invalid;

        var key = Key(idempotencyKey);
        var replay = key is not null && await db.Leases.AnyAsync(l => l.QuoteKey == key, ct);
        Lease held;
        try
        {
            held = await leases.HoldAsync(request!, key, ct);
        }
        catch (DbUpdateException) when (key is not null)
        {
            // The same key raced in twice and the other request's hold was saved first: answer with that one.
            held = await leases.HoldAsync(request!, key, ct);
            replay = true;
        }
        var json = new LeaseJson(await leases.GetAsync(held.Id, ct) ?? held, Now(time));
        return replay ? TypedResults.Ok(json) : TypedResults.Created($"{Base}/{held.Id}", json);
    }

    private static async Task<IResult> CheckAsync(HttpRequest http, LeaseService leases, IDbContextFactory<PortalDbContext> dbFactory,
        TimeProvider time, IOptions<LeaseOptions> options, CancellationToken ct)
    {
        var (body, error) = await ReadBodyAsync<LeaseRequestBody>(http, ct);
        if (error is not null) return error;
        LeaseRequest? request;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            (request, var invalid) = await ParseRequestAsync(body!, db, options.Value, Now(time), ct);
            if (invalid is not null) return invalid;
        }
        var fit = await leases.CheckAsync(request!, ct);
        if (fit.Errors.Count > 0) return Invalid("body", string.Join(" ", fit.Errors));
        // Alternatives cost a look at every pool: only worth it when the request does not fit where asked.
        var alternatives = fit.Fits ? [] : await leases.AlternativesAsync(request!, ct);
        return TypedResults.Ok(new LeaseCheckJson(fit.Fits, fit.Reason, fit.Price is { } p ? PriceJson.From(p) : null,
            [.. fit.EarlierWindows.Select(WindowJson.From)], [.. fit.LaterWindows.Select(WindowJson.From)],
            [.. alternatives.Select(a => new LeaseAlternativeJson(a.RegionId, a.SkuId, a.SkuName, PriceJson.From(a.Price)))]));
    }

    private static async Task<IResult> GetAsync(Guid id, LeaseService leases, TimeProvider time, CancellationToken ct) =>
        TypedResults.Ok(new LeaseJson(await leases.GetAsync(id, ct) ?? throw LeaseException.NotFound(), Now(time)));

    private static async Task<IResult> AgreementAsync(Guid id, LeaseService leases, IDbContextFactory<PortalDbContext> dbFactory, CancellationToken ct)
    {
        if (await leases.GetDocumentAsync(id, null, ct) is { } doc) return TypedResults.File(doc.Content, "application/pdf", doc.FileName);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        throw await db.Leases.AnyAsync(l => l.Id == id, ct)
            ? new LeaseException("not_signed", "This lease is not signed yet, so there is no agreement to download.", 404)
            : LeaseException.NotFound();
    }

    private static async Task<IResult> AmendmentAgreementAsync(Guid id, Guid amendmentId, LeaseService leases, CancellationToken ct) =>
        await leases.GetDocumentAsync(id, amendmentId, ct) is { } doc
            ? TypedResults.File(doc.Content, "application/pdf", doc.FileName)
            : throw new LeaseException("not_found", "No signed amendment with that id on this lease.", 404);

    private static async Task<IResult> SignAsync(Guid id, HttpRequest http, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        LeaseService leases, TimeProvider time, CancellationToken ct)
    {
        if (CheckIdempotencyKey(idempotencyKey) is { } badKey) return badKey;
        var (body, error) = await ReadBodyAsync<SignBody>(http, ct);
        if ((error ?? CheckSignature(body!)) is { } invalid) return invalid;
        await leases.SignAsync(id, body!.SignerName, accepted: true, Key(idempotencyKey), ct);
        return await GetAsync(id, leases, time, ct);
    }

    private static async Task<IResult> ExtendableUntilAsync(Guid id, IDbContextFactory<PortalDbContext> dbFactory, LeaseService leases, CancellationToken ct)
    {
        DateTime end;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var found = await db.Leases.Where(l => l.Id == id).Select(l => new { l.End }).FirstOrDefaultAsync(ct) ?? throw LeaseException.NotFound();
            end = found.End;
        }
        var until = await leases.ExtendableUntilAsync(id, ct);
        return TypedResults.Ok(new ExtendableUntilJson(id, end, until, until is { } u ? (int)(u - end).TotalHours : 0));
    }

    private static async Task<IResult> ExtendAsync(Guid id, HttpRequest http, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        LeaseService leases, IDbContextFactory<PortalDbContext> dbFactory, IOptions<LeaseOptions> options, CancellationToken ct)
    {
        if (CheckIdempotencyKey(idempotencyKey) is { } badKey) return badKey;
        var (body, error) = await ReadBodyAsync<ExtendBody>(http, ct);
        if (error is not null) return error;
        var max = options.Value.MaxHours;
        if (body!.Hours is not { } hours || hours < 1 || hours > max) return Invalid("hours", $"Extend by 1 to {max} hours.");

        var key = Key(idempotencyKey);
        bool replay;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            replay = key is not null && await db.LeaseAmendments.AnyAsync(a => a.QuoteKey == key, ct);
        var amendment = await leases.QuoteExtensionAsync(id, hours, key, ct);
        var lease = await leases.GetAsync(id, ct) ?? throw LeaseException.NotFound();
        var json = LeaseJsonMapping.Amendment(lease, amendment);
        return replay ? TypedResults.Ok(json) : TypedResults.Created($"{Base}/{id}", json);
    }

    private static async Task<IResult> SignAmendmentAsync(Guid id, Guid amendmentId, HttpRequest http,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, LeaseService leases, TimeProvider time, CancellationToken ct)
    {
        if (CheckIdempotencyKey(idempotencyKey) is { } badKey) return badKey;
        var (body, error) = await ReadBodyAsync<SignBody>(http, ct);
        if ((error ?? CheckSignature(body!)) is { } invalid) return invalid;
        await leases.SignExtensionAsync(id, amendmentId, body!.SignerName, accepted: true, Key(idempotencyKey), ct);
        return await GetAsync(id, leases, time, ct);
    }

    private static async Task<IResult> CancelAsync(Guid id, LeaseService leases, TimeProvider time, CancellationToken ct)
    {
        await leases.CancelAsync(id, ct);
        return await GetAsync(id, leases, time, ct);
    }

    private static async Task<IResult> ReleaseAsync(Guid id, LeaseService leases, TimeProvider time, CancellationToken ct)
    {
        await leases.ReleaseAsync(id, ct);
        return await GetAsync(id, leases, time, ct);
    }

    private static string? Key(string? idempotencyKey) => string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();

    private static DateTime Now(TimeProvider time) => time.GetUtcNow().UtcDateTime;
}
