using Portal.Core.Capacity;
using Portal.Core.Catalog;

namespace Portal.Tests.Capacity;

/// <summary>Small builders for planner tests: a fixed origin hour and nodes in one region and SKU.</summary>
internal static class CapacityTestPool
{
    public const string TestRegion = "us-south-1";
    public const string TestSku = "h100-sxm-80gb";
    public static readonly DateTime T0 = new(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc);

    public static DateTime H(int hour) => T0.AddHours(hour);

    public static PlannerNode Node(string id, int gpus = 8, NodeState state = NodeState.Ready, string sku = TestSku, string region = TestRegion) =>
        new(id, region, sku, gpus, state);

    public static CapacityView View(params PlannerNode[] nodes) => new(nodes, T0, 24 * 30);

    public static PlacementRequest Request(int gpus, int fromHour, int toHour, string sku = TestSku) =>
        new(TestRegion, sku, gpus, H(fromHour), H(toHour));

    public static PlannerAllocation Alloc(string node, int gpus, int fromHour, int toHour) => new(node, gpus, H(fromHour), H(toHour));
}
