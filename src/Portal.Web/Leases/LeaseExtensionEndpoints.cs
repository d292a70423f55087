using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Leases;
using static Portal.Web.Leases.LeaseApiInput;

namespace Portal.Web.Leases;

/// <summary>How far a lease can be extended, quoting an extension, and signing its amendment.</summary>
internal static class LeaseExtensionEndpoints
{
    public static async Task<IResult> ExtendableUntilAsync(Guid id, IDbContextFactory<PortalDbContext> dbFactory, LeaseExtending extending,
        CancellationToken ct)
    {
        DateTime end;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var found = await db.Leases.Where(l => l.Id == id).Select(l => new { l.End }).FirstOrDefaultAsync(ct) ?? throw LeaseException.NotFound();
            end = found.End;
        }
        var until = await extending.ExtendableUntilAsync(id, ct);
        return TypedResults.Ok(new ExtendableUntilJson(id, end, until, until is { } u ? (int)(u - end).TotalHours : 0));
    }

    public static async Task<IResult> ExtendAsync(Guid id, HttpRequest http, [FromHeader(Name = LeaseApi.IdempotencyKeyHeader)] string? idempotencyKey,
        LeaseExtending extending, LeaseQueries leases, IDbContextFactory<PortalDbContext> dbFactory, IOptions<LeaseOptions> options, CancellationToken ct)
    {
        if (CheckIdempotencyKey(idempotencyKey) is { } badKey) return badKey;
        var (body, error) = await ReadBodyAsync<ExtendBody>(http, ct);
        if (error is not null) return error;
        var max = options.Value.MaxHours;
        if (body!.Hours is not { } hours || hours < 1 || hours > max) return LeaseProblems.Invalid("hours", $"Extend by 1 to {max} hours.");

        var key = Key(idempotencyKey);
        bool replay;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
            replay = key is not null && await db.LeaseAmendments.AnyAsync(a => a.QuoteKey == key, ct);
        var amendment = await extending.QuoteExtensionAsync(id, hours, key, ct);
        var lease = await leases.GetAsync(id, ct) ?? throw LeaseException.NotFound();
        var json = LeaseJsonMapping.Amendment(lease, amendment);
        return replay ? TypedResults.Ok(json) : TypedResults.Created($"{LeaseApi.Base}/{id}", json);
    }

    public static async Task<IResult> SignAmendmentAsync(Guid id, Guid amendmentId, HttpRequest http,
        [FromHeader(Name = LeaseApi.IdempotencyKeyHeader)] string? idempotencyKey, ExtensionSigning signing, LeaseQueries leases, TimeProvider time,
        CancellationToken ct)
    {
        if (CheckIdempotencyKey(idempotencyKey) is { } badKey) return badKey;
        var (body, error) = await ReadBodyAsync<SignBody>(http, ct);
        if ((error ?? CheckSignature(body!)) is { } invalid) return invalid;
        await signing.SignExtensionAsync(id, amendmentId, body!.SignerName, accepted: true, Key(idempotencyKey), ct);
        return await LeaseReadEndpoints.GetAsync(id, leases, time, ct);
    }
}
