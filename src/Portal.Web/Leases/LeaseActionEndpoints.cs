using Microsoft.AspNetCore.Mvc;
using Portal.Core.Leases;
using static Portal.Web.Leases.LeaseApiInput;

namespace Portal.Web.Leases;

/// <summary>POST sign, cancel and release on one lease; each answers with the lease as it is now.</summary>
internal static class LeaseActionEndpoints
{
    public static async Task<IResult> SignAsync(Guid id, HttpRequest http, [FromHeader(Name = LeaseApi.IdempotencyKeyHeader)] string? idempotencyKey,
        LeaseSigning signing, LeaseQueries leases, TimeProvider time, CancellationToken ct)
    {
        if (CheckIdempotencyKey(idempotencyKey) is { } badKey) return badKey;
        var (body, error) = await ReadBodyAsync<SignBody>(http, ct);
        if ((error ?? CheckSignature(body!)) is { } invalid) return invalid;
        await signing.SignAsync(id, body!.SignerName, accepted: true, Key(idempotencyKey), ct);
        return await LeaseReadEndpoints.GetAsync(id, leases, time, ct);
    }

    public static async Task<IResult> CancelAsync(Guid id, LeaseCancelling cancelling, LeaseQueries leases, TimeProvider time, CancellationToken ct)
    {
        await cancelling.CancelAsync(id, ct);
        return await LeaseReadEndpoints.GetAsync(id, leases, time, ct);
    }

    public static async Task<IResult> ReleaseAsync(Guid id, LeaseCancelling cancelling, LeaseQueries leases, TimeProvider time, CancellationToken ct)
    {
        await cancelling.ReleaseAsync(id, ct);
        return await LeaseReadEndpoints.GetAsync(id, leases, time, ct);
    }
}
