using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Refusals;
using Portal.Core.ScriptJobs;
using Portal.Web.Leases;

namespace Portal.Web.ScriptJobs;

/// <summary>POST launch on a lease and POST cancel of a job; both answer with the job as it is now.</summary>
internal static class ScriptJobLaunchEndpoints
{
    public static async Task<IResult> LaunchAsync(Guid id, HttpRequest http, [FromHeader(Name = LeaseApi.IdempotencyKeyHeader)] string? idempotencyKey,
        ScriptJobLaunching launching, ScriptJobQueries queries, ScriptJobQueue queue, IDbContextFactory<PortalDbContext> dbFactory,
        IOptions<ScriptJobOptions> options, CancellationToken ct)
    {
        // Kestrel's own cap (30 MB) would cut a launch with 50 MB of files: this route takes what its metadata says.
        if (http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = ScriptJobApi.LaunchBodyLimit(options.Value);
        if (LeaseApiInput.CheckIdempotencyKey(idempotencyKey) is { } badKey) return badKey;
        var (body, error) = http.HasFormContentType
            ? await ScriptJobLaunchForm.ReadAsync(http, ct)
            : await LeaseApiInput.ReadBodyAsync<LaunchJobBody>(http, ct);
        if (error is not null) return error;
        var (request, invalid) = ScriptJobApiInput.ToRequest(body!, idempotencyKey);
        if (invalid is not null) return invalid;

        var key = request!.IdempotencyKey;
        var replay = false;
        if (key is not null)
        {
            // Tenant-filtered: only a job this organisation launched with the key makes the answer a replay (200).
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            replay = await db.ScriptJobs.AnyAsync(j => j.LeaseId == id && j.LaunchKey == key, ct);
        }

        ScriptJob job;
        try
        {
            // The launcher answers a key it has seen with the job that key made, even when two requests race.
            job = await launching.LaunchAsync(id, request, ct);
        }
        catch (FieldsRefusedException e)
        {
            throw ScriptJobApiInput.Renamed(e);
        }
        catch (ScriptJobTimeLimitException e)
        {
            return ScriptJobApiInput.PastLeaseEnd(id, e);
        }
        var json = await ScriptJobReadEndpoints.JsonAsync(job.Id, queries, queue, ct);
        return replay ? TypedResults.Ok(json) : TypedResults.Created(ScriptJobApi.Job(job.Id), json);
    }

    public static async Task<IResult> CancelAsync(Guid id, ScriptJobCancelling cancelling, ScriptJobQueries queries, ScriptJobQueue queue,
        CancellationToken ct)
    {
        await cancelling.CancelAsync(id, ct);
        return TypedResults.Ok(await ScriptJobReadEndpoints.JsonAsync(id, queries, queue, ct));
    }
}
