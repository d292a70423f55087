using System.Net;
using Portal.Core.Leases;

namespace Portal.Tests.Leases;

/// <summary>
/// Quotes are limited per organisation and minute in the lease service, so the New lease page (which calls the service) and
/// the API meet the same limit; the fit check is not limited, and other organisations are not affected.
/// </summary>
public sealed class QuoteRateLimitTests(QuoteRateFactory factory) : IClassFixture<QuoteRateFactory>
{
    private const string Region = "us-east-2";
    private const string A100 = "a100-80gb";

    [Fact]
    public async Task A_third_quote_in_a_minute_is_refused_saying_when_to_retry_while_checking_still_works()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var start = factory.ThisHour.AddHours(60);
        var first = new LeaseRequest(Region, A100, 1, start, 1);
        var held = await member.Quoting.HoldAsync(first, "first-quote");
        await member.Quoting.HoldAsync(first with { Start = start.AddHours(1) });

        var refused = await Assert.ThrowsAsync<QuoteRateLimitedException>(() => member.Quoting.HoldAsync(first with { Start = start.AddHours(2) }));
        Assert.Equal(429, refused.Status);
        Assert.Equal("quote_rate_limited", refused.Code);
        Assert.InRange(refused.RetryAfterSeconds, 1, 60 / QuoteRateFactory.PerMinute);
        Assert.Contains($"may ask for {QuoteRateFactory.PerMinute} quotes a minute; try again in {refused.RetryAfterSeconds} seconds", refused.Message);

        // The live check on the New lease page is not a quote, and sending the same quote again is no new one.
        Assert.True((await member.Availability.CheckAsync(first with { Start = start.AddHours(2) })).Fits);
        Assert.Equal(held.Id, (await member.Quoting.HoldAsync(first, "first-quote")).Id);

        // Another organisation has its own allowance.
        var (otherId, otherOwner) = await factory.NewTenantAsync();
        await using var other = await factory.As(otherId, otherOwner);
        Assert.Equal(LeaseState.Held, (await other.Quoting.HoldAsync(first with { Start = start.AddHours(3) })).State);
    }

    [Fact]
    public async Task The_api_answers_a_quote_over_the_rate_with_429_problem_details_and_retry_after()
    {
        var (client, _, _) = await LeaseApiCalls.NewOwnerAsync(factory);
        var start = factory.ThisHour.AddHours(90);
        await LeaseApiCalls.QuoteAsync(client, LeaseApiTests.Body(A100, 1, start, 1, Region));
        await LeaseApiCalls.QuoteAsync(client, LeaseApiTests.Body(A100, 1, start.AddHours(1), 1, Region));

        var response = await LeaseApiCalls.PostAsync(client, "/api/v1/leases/quote", LeaseApiTests.Body(A100, 1, start.AddHours(2), 1, Region));

        var problem = await LeaseApiCalls.ProblemAsync(response, HttpStatusCode.TooManyRequests, "quote_rate_limited");
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60 / QuoteRateFactory.PerMinute);
        Assert.Contains($"try again in {(int)retryAfter.Value.TotalSeconds} seconds", problem.GetProperty("detail").GetString());
    }
}
