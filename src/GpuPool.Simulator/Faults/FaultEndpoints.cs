namespace GpuPool.Simulator.Faults;

public static class FaultEndpoints
{
    public sealed record ArmFaultRequest(FaultKind? Kind, int? Count, string? Model, int? DelayMs);

    public static void MapFaultEndpoints(this IEndpointRouteBuilder app)
    {
        var faults = app.MapGroup("/pool/faults");

        faults.MapGet("", (FaultBook book) => Results.Ok(book.List()));

        faults.MapPost("", (ArmFaultRequest request, FaultBook book) =>
        {
            if (request.Kind is not { } kind)
                return PoolErrors.BadRequest("kind is required: FailReservations, RateLimit, ServerError, Slow or Drop.");
            var count = request.Count ?? 1;
            if (count < 1) return PoolErrors.BadRequest("count must be at least 1.");
            var delayMs = request.DelayMs ?? (kind == FaultKind.Slow ? 5_000 : 0);
            var fault = new Fault(kind, count, request.Model, delayMs);
            book.Arm(fault);
            return Results.Ok(fault);
        });

        faults.MapDelete("", (FaultBook book) =>
        {
            book.Clear();
            return Results.NoContent();
        });
    }
}
