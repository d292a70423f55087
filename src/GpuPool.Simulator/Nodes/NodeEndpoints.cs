namespace GpuPool.Simulator.Nodes;

public static class NodeEndpoints
{
    public sealed record ReserveRequest(int? Gpus);

    public sealed record SetStateRequest(NodeState? State);

    public static void MapNodeEndpoints(this IEndpointRouteBuilder app)
    {
        var nodes = app.MapGroup("/pool/nodes");

        nodes.MapGet("", (NodePool pool) => Results.Ok(pool.List()));

        nodes.MapGet("/{nodeId}", (string nodeId, NodePool pool) =>
            pool.Find(nodeId) is { } node ? Results.Ok(node) : PoolErrors.NotFound($"No node {nodeId}."));

        nodes.MapPost("/{nodeId}/state", (string nodeId, SetStateRequest request, NodePool pool) =>
        {
            if (request.State is not { } state)
                return PoolErrors.BadRequest("state is required: Ready, Maintenance, Draining or Failed.");
            return pool.SetState(nodeId, state) is { } node ? Results.Ok(node) : PoolErrors.NotFound($"No node {nodeId}.");
        });

        nodes.MapPut("/{nodeId}/reservations/{allocationId}", async (
            string nodeId, string allocationId, ReserveRequest request, NodePool pool, CancellationToken cancellationToken) =>
        {
            if (request.Gpus is not > 0) return PoolErrors.BadRequest("gpus must be a positive number.");
            var outcome = pool.Reserve(nodeId, allocationId, request.Gpus.Value);
            switch (outcome.Status)
            {
                case ReserveStatus.Reserved:
                    await outcome.Ready!.WaitAsync(cancellationToken);
                    return Results.Ok(outcome.Reservation);
                case ReserveStatus.NodeNotFound:
                    return PoolErrors.NotFound($"No node {nodeId}.");
                case ReserveStatus.NodeNotReady:
                    return PoolErrors.Conflict(outcome.Detail!, "node_not_ready");
                case ReserveStatus.InsufficientGpus:
                    return PoolErrors.Conflict(outcome.Detail!, "insufficient_gpus");
                case ReserveStatus.GpusMismatch:
                    return PoolErrors.Conflict(outcome.Detail!, "allocation_conflict");
                default:
                    return PoolErrors.Error(503, outcome.Detail!, "server_error", "reservation_failed");
            }
        });

        nodes.MapDelete("/{nodeId}/reservations/{allocationId}", (string nodeId, string allocationId, NodePool pool) =>
            pool.Release(nodeId, allocationId) is null ? PoolErrors.NotFound($"No node {nodeId}.") : Results.NoContent());
    }
}
