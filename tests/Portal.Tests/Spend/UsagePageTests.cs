using System.Net;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Spend.SpendKit;

namespace Portal.Tests.Spend;

/// <summary>The usage page, its CSV and the dashboard's spend, as a member sees them: only their organisation's records.</summary>
public class UsagePageTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    // The fixture's clock is in March 2027: "this month".
    private static readonly DateTime Day1 = Utc(2027, 3, 1, 2), Day2 = Utc(2027, 3, 2, 5);

    [Fact]
    public async Task A_viewer_sees_the_month_s_usage_by_day_filtered_and_as_csv_and_never_another_organisation_s()
    {
        var (tenantId, _) = await factory.NewTenantAsync();
        await UsageAsync(factory, tenantId, Day1, 12 * Dollar, sku: "h100-sxm-80gb", gpuSeconds: 4 * 3600);
        await UsageAsync(factory, tenantId, Day1.AddHours(1), 12 * Dollar, sku: "h100-sxm-80gb", gpuSeconds: 4 * 3600);
        await UsageAsync(factory, tenantId, Day2, 3 * Dollar, sku: "a100-80gb", gpuSeconds: 2 * 3600);
        await UsageAsync(factory, tenantId, Day2, 500_000, model: "llama-3.3-70b-instruct", inputTokens: 1_000, outputTokens: 250);
        await UsageAsync(factory, tenantId, Utc(2027, 2, 27), 77 * Dollar, sku: "b200-180gb"); // last month
        var (otherId, _) = await factory.NewTenantAsync();
        await UsageAsync(factory, otherId, Day1, 999 * Dollar, sku: "l40s-48gb");
        using var client = await ViewerAsync(tenantId);

        var page = await client.GetPageAsync("/usage");
        Assert.Equal("$27.50", Figure(page, "usage-total-cost"));
        Assert.Contains("data-testid=\"chart-gpu-hours\"", page);
        Assert.Contains("data-testid=\"chart-tokens\"", page);
        Assert.DoesNotContain("l40s-48gb", page);
        Assert.DoesNotContain("b200-180gb", page);

        var onlyH100 = await client.GetPageAsync("/usage?period=this-month&sku=h100-sxm-80gb");
        Assert.Equal("$24.00", Figure(onlyH100, "usage-total-cost"));
        Assert.Equal("8", Figure(onlyH100, "usage-total-gpu-hours"));
        var lastMonth = await client.GetPageAsync("/usage?period=last-month");
        Assert.Equal("$77.00", Figure(lastMonth, "usage-total-cost"));

        var csv = await client.GetAsync("/usage/export.csv?period=this-month");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("usage-2027-03-01-to-2027-03-31.csv",
            csv.Content.Headers.ContentDisposition?.FileNameStar ?? csv.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(
            "date,kind,sku_or_model,gpu_hours,input_tokens,output_tokens,amount_usd\r\n" +
            "2027-03-01,gpu,h100-sxm-80gb,8,0,0,24.00\r\n" +
            "2027-03-02,gpu,a100-80gb,2,0,0,3.00\r\n" +
            "2027-03-02,tokens,llama-3.3-70b-instruct,0,1000,250,0.50\r\n",
            await csv.Content.ReadAsStringAsync());
        var modelCsv = await client.Http.GetStringAsync("/usage/export.csv?period=custom&from=2027-03-02&to=2027-03-02&model=llama-3.3-70b-instruct");
        Assert.EndsWith("\r\n2027-03-02,tokens,llama-3.3-70b-instruct,0,1000,250,0.50\r\n", modelCsv);
        Assert.Equal(2, modelCsv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task With_no_usage_the_page_says_so_and_the_dashboard_shows_the_month_s_spend_and_forecast()
    {
        var (tenantId, _) = await factory.NewTenantAsync();
        using var client = await ViewerAsync(tenantId);

        var empty = await client.GetPageAsync("/usage");
        Assert.Contains("data-testid=\"usage-empty\"", empty);
        Assert.DoesNotContain("data-testid=\"usage-csv\"", empty);

        await LimitsAsync(factory, tenantId, limit: 1_000 * Dollar);
        await UsageAsync(factory, tenantId, Day1, 40 * Dollar + 3_456); // a third of a cent over: shown to the cent everywhere
        var dashboard = await client.GetPageAsync("/");
        Assert.Equal("$40.00", Figure(dashboard, "spend-so-far"));
        Assert.Equal("$1,000.00", Figure(dashboard, "spend-limit"));
        Assert.Equal("$960.00", Figure(dashboard, "spend-left"));
        Assert.Equal("0", Figure(dashboard, "running-batch-count"));

        // The settings page: every member reads it; a Viewer gets no save buttons.
        var settings = await client.GetPageAsync("/settings/organization");
        Assert.Equal("$1,000.00", Figure(settings, "settings-limit"));
        Assert.Equal("$40.00", Figure(settings, "settings-spent"));
        Assert.Contains("title=\"$40.003456\"", settings); // the exact figure on hover
        Assert.DoesNotContain("save-spend-limit", settings);
        Assert.DoesNotContain("save-name", settings);
    }

    /// <summary>The text of the element with this test id (MudBlazor writes its attributes in either order).</summary>
    internal static string Figure(string html, string testId)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, $"<[a-z0-9]+[^>]*data-testid=\"{testId}\"[^>]*>([^<]*)<");
        Assert.True(match.Success, $"No element {testId} on the page.");
        return match.Groups[1].Value.Trim();
    }

    private async Task<PortalClient> ViewerAsync(Guid tenantId)
    {
        var viewer = await factory.CreateUserAsync();
        await factory.AddMemberAsync(tenantId, viewer, TenantRole.Viewer);
        var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(viewer.Email!);
        return client;
    }
}
