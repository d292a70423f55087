using Portal.Core.Catalog;

namespace Portal.Tests.Hyperscale;

public class NodeRangesTests
{
    [Fact]
    public void Thousands_of_consecutive_nodes_read_as_one_range()
    {
        var ids = Enumerable.Range(6251, 6250).Select(i => $"us-central-9-b200-{i:D5}").Reverse();
        Assert.Equal("us-central-9-b200-06251 to 12500", NodeRanges.Format(ids));
    }

    [Fact]
    public void Gaps_prefixes_and_names_without_numbers_each_start_a_part()
    {
        string[] ids = ["r1-h100-003", "r1-h100-001", "r1-h100-002", "r1-h100-007", "r2-h100-004", "r2-h100-005", "gpu-box", "r1-h100-002"];
        Assert.Equal("gpu-box, r1-h100-001 to 003, r1-h100-007, r2-h100-004 to 005", NodeRanges.Format(ids));
    }

    [Fact]
    public void Past_the_limit_the_rest_is_counted()
    {
        var ids = Enumerable.Range(0, 30).Select(i => $"n-{i * 2:D3}");
        var text = NodeRanges.Format(ids, maxParts: 3);
        Assert.Equal("n-000, n-002, n-004 and 27 more ranges", text);
    }
}
