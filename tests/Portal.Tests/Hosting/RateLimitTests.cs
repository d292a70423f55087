using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Portal.Core.ApiKeys;
using Portal.Tests.Batches;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

/// <summary>
/// Each door, past its limit, answers 429 with Retry-After in its own shape, and a request under the limit passes.
/// Clients are told apart by X-Forwarded-For through a trusted proxy (as behind a load balancer), so each test
/// has addresses of its own; the windows are an hour long, so no count resets during a test.
/// </summary>
public sealed class RateLimitTests(RateLimitTests.LowLimitsFactory factory) : IClassFixture<RateLimitTests.LowLimitsFactory>
{
    public sealed class LowLimitsFactory : LeaseFactory
    {
        public const int SignInPerIp = 5, SignInPerAccount = 3, RegisterPerIp = 2, ResetPerAccount = 2, ApiPerKey = 5, AnonymousPerIp = 5;

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Hosting:TrustedProxies", "127.0.0.1, ::1"),
            new("RateLimits:SignIn:PerIp", $"{SignInPerIp}"), new("RateLimits:SignIn:PerAccount", $"{SignInPerAccount}"),
            new("RateLimits:SignIn:WindowSeconds", "3600"),
            new("RateLimits:Register:PerIp", $"{RegisterPerIp}"), new("RateLimits:Register:WindowSeconds", "3600"),
            new("RateLimits:PasswordReset:PerAccount", $"{ResetPerAccount}"), new("RateLimits:PasswordReset:WindowSeconds", "3600"),
            new("RateLimits:Api:PerKey", $"{ApiPerKey}"), new("RateLimits:Api:WindowSeconds", "3600"),
            new("RateLimits:Api:AnonymousPerIp", $"{AnonymousPerIp}"), new("RateLimits:Api:AnonymousWindowSeconds", "3600"),
        ];
    }

    [Fact]
    public async Task Spraying_passwords_over_many_accounts_from_one_address_is_stopped_and_others_still_sign_in()
    {
        var user = await factory.CreateUserAsync();
        var sprayer = From("203.0.113.10");
        await sprayer.SignInOrFailAsync(user.Email!); // under the limit: a real sign-in passes
        for (var i = 1; i < LowLimitsFactory.SignInPerIp; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await sprayer.SignInAsync($"victim{i}-{Guid.NewGuid():N}@example.com", "Winter2026!")).StatusCode);

        var refused = await sprayer.SignInAsync($"victim-{Guid.NewGuid():N}@example.com", "Winter2026!");

        await AssertPageRefusalAsync(refused);
        await From("203.0.113.11").SignInOrFailAsync(user.Email!);
    }

    [Fact]
    public async Task Guessing_one_accounts_password_from_many_addresses_is_stopped_for_that_account()
    {
        var victim = await factory.CreateUserAsync();
        for (var i = 0; i < LowLimitsFactory.SignInPerAccount; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await From($"198.51.100.{20 + i}").SignInAsync(victim.Email!, "wrong password " + i)).StatusCode);

        // Even the right password waits: the guesser must not learn it is right.
        await AssertPageRefusalAsync(await From("198.51.100.40").SignInAsync(victim.Email!));
        await From("198.51.100.40").SignInOrFailAsync((await factory.CreateUserAsync()).Email!);
    }

    [Theory]
    [InlineData("/Account/LoginWith2fa", "203.0.113.60")]
    [InlineData("/Account/LoginWithRecoveryCode", "203.0.113.61")]
    public async Task Two_factor_and_recovery_code_posts_count_as_sign_in_attempts(string url, string address)
    {
        using var guesser = Raw(address);
        Task<HttpResponseMessage> Post() => guesser.PostAsync(url, new FormUrlEncodedContent([new("Input.TwoFactorCode", "123456")]));
        // Without a pending two-factor sign-in the page refuses them anyway; the count is what matters here.
        for (var i = 0; i < LowLimitsFactory.SignInPerIp; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await Post()).StatusCode);

        await AssertPageRefusalAsync(await Post());
    }

    [Fact]
    public async Task Sign_ups_from_one_address_are_limited()
    {
        var client = From("203.0.113.30");
        for (var i = 0; i < LowLimitsFactory.RegisterPerIp; i++)
        {
            var registered = await RegisterAsync(client, $"new-{Guid.NewGuid():N}@example.com");
            Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        }

        await AssertPageRefusalAsync(await RegisterAsync(client, $"new-{Guid.NewGuid():N}@example.com"));
    }

    [Fact]
    public async Task Password_reset_requests_for_one_account_are_limited_and_so_is_resetting_it()
    {
        var user = await factory.CreateUserAsync();
        for (var i = 0; i < LowLimitsFactory.ResetPerAccount; i++)
        {
            var asked = await From($"192.0.2.{10 + i}").SubmitFormAsync("/Account/ForgotPassword", "forgot-password",
                new Dictionary<string, string> { ["Input.Email"] = user.Email! });
            Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        }

        await AssertPageRefusalAsync(await From("192.0.2.30").SubmitFormAsync("/Account/ForgotPassword", "forgot-password",
            new Dictionary<string, string> { ["Input.Email"] = user.Email! }));
        var reset = await From("192.0.2.31").Http.PostAsync("/Account/ResetPassword", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "reset-password", ["Input.Email"] = user.Email!, ["Input.Code"] = "guessed",
            ["Input.Password"] = "a new password 123", ["Input.ConfirmPassword"] = "a new password 123",
        }));
        await AssertPageRefusalAsync(reset);
    }

    [Fact]
    public async Task One_key_on_v1_is_limited_in_openai_shape_and_another_key_is_not()
    {
        var (_, _, secret) = await OpenAiTestKit.NewTenantWithKeyAsync(factory);
        using var http = OpenAiTestKit.Http(factory, secret);
        for (var i = 0; i < LowLimitsFactory.ApiPerKey; i++)
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/models")).StatusCode);

        await AssertOpenAiRefusalAsync(await http.GetAsync("/v1/models"));
        var (_, _, other) = await OpenAiTestKit.NewTenantWithKeyAsync(factory);
        Assert.Equal(HttpStatusCode.OK, (await OpenAiTestKit.Http(factory, other).GetAsync("/v1/models")).StatusCode);
    }

    [Fact]
    public async Task Guessed_keys_from_one_address_meet_a_429()
    {
        using var guesser = Raw("203.0.113.50");
        for (var i = 0; i < LowLimitsFactory.AnonymousPerIp; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.SendAsync(Guess("/v1/models"))).StatusCode);

        await AssertOpenAiRefusalAsync(await guesser.SendAsync(Guess("/v1/models")));
        using var elsewhere = Raw("203.0.113.51");
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.SendAsync(Guess("/v1/models"))).StatusCode);
    }

    [Fact]
    public async Task One_key_on_the_lease_api_is_limited_with_problem_details()
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var secret = await OpenAiTestKit.NewKeyAsync(factory, tenantId, ownerId, ApiKeyScopes.Read | ApiKeyScopes.Leases);
        using var http = OpenAiTestKit.Http(factory, secret);
        for (var i = 0; i < LowLimitsFactory.ApiPerKey; i++)
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/leases")).StatusCode);

        var refused = await http.GetAsync("/api/v1/leases");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        AssertRetryAfter(refused);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Contains("Try again", problem.GetProperty("detail").GetString());
    }

    private PortalClient From(string address)
    {
        var client = factory.CreatePortalClient();
        client.Http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    private HttpClient Raw(string address)
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return http;
    }

    private static HttpRequestMessage Guess(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-portal-" + Guid.NewGuid().ToString("N"));
        return request;
    }

    private static Task<HttpResponseMessage> RegisterAsync(PortalClient client, string email) =>
        client.SubmitFormAsync("/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = email, ["Input.Password"] = PortalFactory.Password, ["Input.ConfirmPassword"] = PortalFactory.Password,
        });

    private static void AssertRetryAfter(HttpResponseMessage response)
    {
        var delta = response.Headers.RetryAfter?.Delta;
        Assert.True(delta > TimeSpan.Zero, $"Retry-After: {response.Headers.RetryAfter}");
    }

    private static async Task AssertPageRefusalAsync(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)response.StatusCode} {response.Headers.Location}");
        AssertRetryAfter(response);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Too many attempts", html);
        Assert.Contains("Try again in", html);
    }

    private static async Task AssertOpenAiRefusalAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        AssertRetryAfter(response);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("requests", error.GetProperty("type").GetString());
        Assert.Contains("Try again", error.GetProperty("message").GetString());
    }
}
