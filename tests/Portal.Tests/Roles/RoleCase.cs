using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.ApiKeys;
using Portal.Core.Batches;
using Portal.Core.Leases;
using Portal.Core.Spend;
using Portal.Core.Tenancy;
using Portal.Tests.Infrastructure;
using Portal.Tests.Tenancy;

namespace Portal.Tests.Roles;

/// <summary>
/// One row of the matrix for one role: a fresh organisation with an Owner (who arranges things) and the actor, a
/// second member with the role under test. Acts as the actor through the services (<see cref="As"/>), the cookie API
/// (<see cref="CookieAsync"/>) or an API key with every scope made by the actor (<see cref="KeyAsync"/>: the key acts
/// with the actor's role, so it tests the role, not the scopes). A refusal is an exception or a 403 (see <see cref="RoleRefusals"/>).
/// </summary>
public sealed class RoleCase(LeaseFactory factory, Guid tenantId, string ownerId, string actorId, Guid actorMembershipId, TenantRole role)
{
    private static int nextHour;
    public const string Sku = "a100-80gb", Region = "us-south-1";
    public const string InputLine = """{"custom_id":"a","method":"POST","url":"/v1/embeddings","body":{"model":"all-minilm-l6-v2","input":"hello"}}""";

    public LeaseFactory Factory => factory;
    public Guid TenantId => tenantId;
    public string OwnerId => ownerId;
    public string ActorId => actorId;
    public Guid ActorMembershipId => actorMembershipId;
    public TenantRole Role => role;

    /// <summary>Runs <paramref name="action"/> with <typeparamref name="T"/> resolved as the actor (as a page's services would be).</summary>
    public async Task As<T>(Func<T, Task> action) where T : notnull
    {
        await using var scope = await factory.As(tenantId, actorId);
        await action(scope.Get<T>());
    }

    /// <summary>The same as the Owner, to arrange what the action needs.</summary>
    public async Task<TResult> AsOwner<T, TResult>(Func<T, Task<TResult>> action) where T : notnull
    {
        await using var scope = await factory.As(tenantId, ownerId);
        return await action(scope.Get<T>());
    }

    /// <summary>A quote held by the Owner, 1 GPU for 2 hours, each case in its own hours.</summary>
    public Task<Lease> HeldLeaseAsync(bool startNow = false) =>
        AsOwner<LeaseQuoting, Lease>(s => s.HoldAsync(new LeaseRequest(Region, Sku, 1,
            startNow ? factory.ThisHour : factory.ThisHour.AddHours(30 + Interlocked.Increment(ref nextHour) % 400), 2)));

    public async Task<Lease> SignedLeaseAsync(bool startNow = false)
    {
        var held = await HeldLeaseAsync(startNow);
        return await AsOwner<LeaseSigning, Lease>(s => s.SignAsync(held.Id, "Olive Owner", accepted: true));
    }

    public async Task<Lease> ActiveLeaseAsync()
    {
        var signed = await SignedLeaseAsync(startNow: true);
        await using (var scope = factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<ProvisionLeaseJob>().RunAsync(signed.Id);
        return signed;
    }

    public Task<LeaseAmendment> HeldExtensionAsync(Lease lease) => AsOwner<LeaseExtending, LeaseAmendment>(s => s.QuoteExtensionAsync(lease.Id, 1));

    /// <summary>An uploaded batch input file (one embeddings line), uploaded by the Owner.</summary>
    public Task<BatchFile> FileAsync() => AsOwner<BatchFileService, BatchFile>(async s =>
        await s.CreateAsync(await s.StoreAsync(new MemoryStream(Encoding.UTF8.GetBytes(InputLine + "\n"))), "input.jsonl", "batch"));

    public async Task<Batch> BatchAsync()
    {
        var file = await FileAsync();
        return await AsOwner<BatchService, Batch>(s => s.CreateAsync(new BatchRequest(file.Id, "/v1/embeddings", "24h", null)));
    }

    public Task<CreatedApiKey> ApiKeyAsync() => AsOwner<ApiKeyService, CreatedApiKey>(s => s.CreateAsync("arranged", ApiKeyScopes.Read));

    /// <summary>Another member (a Viewer unless said), for actions on people.</summary>
    public async Task<Guid> OtherMemberAsync(TenantRole memberRole = TenantRole.Viewer) =>
        (await factory.AddMemberAsync(tenantId, await factory.CreateUserAsync(), memberRole)).Id;

    /// <summary>The actor signed in through the real sign-in form.</summary>
    public async Task<PortalClient> CookieAsync()
    {
        var client = factory.CreatePortalClient();
        var email = await factory.Read(db => db.Users.Where(u => u.Id == actorId).Select(u => u.Email!).SingleAsync());
        await client.SignInOrFailAsync(email);
        return client;
    }

    /// <summary>A client sending a key with every scope, made by the actor (stored directly: the key service would refuse lesser roles).</summary>
    public async Task<HttpClient> KeyAsync()
    {
        var secret = ApiKeySecret.New();
        using (var scope = factory.Services.CreateScope())
        await using (var db = factory.CreateDbContext(scope).ForTenant(tenantId))
        {
            db.ApiKeys.Add(new ApiKey
            {
                Name = "matrix", Prefix = ApiKeySecret.PrefixOf(secret), SecretHash = ApiKeySecret.Hash(secret), Scopes = ApiKeyRoles.All,
                CreatedByUserId = actorId, CreatedAt = factory.Now,
            });
            await db.SaveChangesAsync();
        }
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return http;
    }

    /// <summary>A settings change as the actor; a change refused for the actor's role throws its refusal (others fail the row).</summary>
    public Task Settings(Func<OrganizationSettingsService, Task<string>> change) => As<OrganizationSettingsService>(s => change(s));

    public static Task Post(HttpClient http, string url, object body) => Expect(http.PostAsJsonAsync(url, body));

    /// <summary>2xx passes, 403 is a refusal, anything else fails the test (the arrangement was wrong).</summary>
    public static async Task Expect(Task<HttpResponseMessage> sending)
    {
        using var response = await sending;
        if (response.StatusCode == HttpStatusCode.Forbidden) throw new HttpForbiddenException(await response.Content.ReadAsStringAsync());
        Assert.True(response.IsSuccessStatusCode,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} -> {(int)response.StatusCode}: "
            + await response.Content.ReadAsStringAsync());
    }
}

public sealed class HttpForbiddenException(string body) : Exception(body);

