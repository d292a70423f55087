using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Portal.Core.ApiKeys;
using Portal.Core.Batches;
using Portal.Core.Leases;
using Portal.Core.Refusals;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Tenancy;
using Portal.Web.Batches;
using Portal.Web.Refusals;

namespace Portal.Tests.Refusals;

/// <summary>A refusal from any feature is answered the same way: one problem-details shape on /api, OpenAI's on /v1.</summary>
public sealed class RefusalProblemTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    public static TheoryData<string> Features => ["lease", "batch", "team", "api-key", "tenant"];

    private static ActionRefusedException Refusal(string feature) => feature switch
    {
        "lease" => new LeaseException("hold_expired", "This quote has already expired.", 409),
        "batch" => new BatchException(409, "File file-1 is the input of a running batch.", "file_id", "file_in_use"),
        "team" => TeamException.Conflict("last_owner", "An organisation keeps at least one Owner."),
        "api-key" => new ApiKeyException("There is no such API key in this organisation.", "not_found", 404),
        _ => TenantActionRefusedException.Suspended("Acme", "unpaid invoice"),
    };

    [Theory]
    [MemberData(nameof(Features))]
    public async Task Every_features_refusal_is_the_same_problem_details(string feature)
    {
        var refusal = Refusal(feature);

        var (status, body, _) = await ExecuteAsync(RefusalProblem.From(refusal));

        Assert.Equal(refusal.Status, status);
        Assert.Equal(["code", "detail", "status", "title", "traceId", "type"], body.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("urn:portal:problem:" + refusal.Code, body.GetProperty("type").GetString());
        Assert.Equal(RefusalProblem.Title(refusal.Code), body.GetProperty("title").GetString());
        Assert.Equal(refusal.Status, body.GetProperty("status").GetInt32());
        Assert.Equal(refusal.Message, body.GetProperty("detail").GetString());
        Assert.Equal(refusal.Code, body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Too_many_quotes_keep_their_Retry_After_and_no_capacity_its_windows()
    {
        var (status, _, headers) = await ExecuteAsync(RefusalProblem.From(new QuoteRateLimitedException(10, TimeSpan.FromSeconds(4.2))));
        Assert.Equal((429, "5"), (status, headers.RetryAfter.ToString()));

        var (_, body, _) = await ExecuteAsync(RefusalProblem.From(new NoCapacityException("Full.", [], [])));
        Assert.Equal(("no_capacity", 0, 0), (body.GetProperty("code").GetString(),
            body.GetProperty("earlierWindows").GetArrayLength(), body.GetProperty("laterWindows").GetArrayLength()));
    }

    [Theory]
    [MemberData(nameof(Features))]
    public async Task Every_features_refusal_is_the_same_OpenAI_error(string feature)
    {
        var refusal = Refusal(feature);

        var (status, body, _) = await ExecuteAsync(OpenAiError.From(refusal));

        var error = body.GetProperty("error");
        Assert.Equal(refusal.Status, status);
        Assert.Equal(["code", "message", "param", "type"], error.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(refusal.Message, error.GetProperty("message").GetString());
        Assert.Equal(refusal is BatchException b ? b.Type : BatchException.InvalidRequest, error.GetProperty("type").GetString());
        Assert.Equal(refusal is BatchException ? "file_id" : null, error.GetProperty("param").GetString());
        Assert.Equal(refusal.Code, error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_role_refusal_is_OpenAIs_insufficient_permissions()
    {
        var refusal = TenantActionRefusedException.RoleTooLow(TenantRole.Viewer, TenantRole.Member, "create batches", "Acme", apiKey: true);

        var (status, body, _) = await ExecuteAsync(OpenAiError.From(refusal));

        Assert.Equal(403, status);
        Assert.Equal("insufficient_permissions", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("This API key acts as Viewer and cannot create batches: use a key with the Batches scope, made by a Member or above.",
            body.GetProperty("error").GetProperty("message").GetString());
    }

    /// <summary>The team API no longer builds its own problems: a refusal it lets escape is answered like a lease's.</summary>
    [Fact]
    public async Task A_refused_team_request_is_answered_with_the_lease_APIs_problem_shape()
    {
        var team = await factory.NewTeamAsync(("member", TenantRole.Member));
        using var client = factory.CreatePortalClient();
        await client.SignInOrFailAsync(team["member"].Email!);

        var response = await client.Http.PostAsJsonAsync("/api/v1/organization/invitations", new { email = "x@example.com", role = "Viewer" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("urn:portal:problem:forbidden", "Forbidden", 403, "forbidden"), (problem.GetProperty("type").GetString(),
            problem.GetProperty("title").GetString(), problem.GetProperty("status").GetInt32(), problem.GetProperty("code").GetString()));
        Assert.Equal($"Your role (Member) cannot invite people; ask an Owner or Admin of {team.TenantName}.", problem.GetProperty("detail").GetString());
    }

    private async Task<(int Status, JsonElement Body, IHeaderDictionary Headers)> ExecuteAsync(IResult result)
    {
        var context = new DefaultHttpContext { RequestServices = factory.Services };
        context.Response.Body = new MemoryStream();
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, (await JsonDocument.ParseAsync(context.Response.Body)).RootElement.Clone(), context.Response.Headers);
    }
}
