using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Core.Refusals;
using Portal.Core.Spend;
using Portal.Core.Tenancy;
using Portal.Tests.Admin;
using Portal.Tests.Infrastructure;
using Portal.Tests.Refusals;

namespace Portal.Tests.Input;

/// <summary>
/// Names people read (organisations, the signer of a lease) cannot hide or disguise what they say: control
/// characters, direction overrides (U+202E made "evil" read "live"), invisible-only names and characters the PDFs
/// cannot print are refused with a message, on create, rename, signing and through the API. Real names in any
/// supported script, with emoji, are accepted.
/// </summary>
public sealed class NameRulesTests(LeaseFactory factory) : IClassFixture<LeaseFactory>
{
    public static TheoryData<string> BadNames => new()
    {
        "\u202Elive",            // right-to-left override: shows as "evil"
        "acme\u202Dx",           // left-to-right override
        "ac\u2066me\u2069 Ltd",  // isolate
        "ac\u2067me",            // right-to-left isolate
        "Acme\u200F Ltd",        // right-to-left mark
        "Acme\tLtd",
        "Acme\nLtd",
        "Acme\u0007Ltd",
        "Acme\u2028Ltd",         // line separator
        "\u200B\u200B\u200B",    // zero-width spaces only
        "\u200D\u200C\uFEFF",    // joiners and a byte-order mark only
        "Ac\u200Bme",            // a zero-width space hidden inside
        "\u3164\u3164",          // Hangul fillers: letters that draw nothing
        "\u2800\u2800",          // blank braille pattern
        "Acme\uFFFD",            // the replacement character: a broken character upstream
        "Acme\uE000 Ltd",        // private use
        "สมชาย Co",              // Thai: no embedded font prints it
    };

    public static TheoryData<string> GoodNames => new()
    {
        "世界 Robotics 🚀",
        "Zoë & Søn",
        "Cafe\u0301 Noir",        // a combining accent
        "👨\u200D👩\u200D👧 Family", // emoji joined by ZWJ
        "株式会社 山田",
        "김민준 Labs",
        "Ωmega Λab",
        "50% Cloud_Co",
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task An_organisation_cannot_be_created_or_renamed_with_a_disguised_name(string name)
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var user = await factory.CreateUserAsync();
        using var scope = factory.Services.CreateScope();
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();
        await using var owner = await factory.As(tenantId, ownerId);

        var refused = await Assert.ThrowsAsync<FieldsRefusedException>(() =>
            organizations.CreateAsync(user.Id, name, "x" + Guid.NewGuid().ToString("N")[..12]));
        var renamed = await Assert.ThrowsAsync<FieldsRefusedException>(() => owner.Get<OrganizationSettingsService>().RenameAsync(name));

        Assert.False(string.IsNullOrWhiteSpace(refused.Errors.GetValueOrDefault("Name")), "no message for the name");
        Assert.False(string.IsNullOrWhiteSpace(renamed.Errors.GetValueOrDefault("Name")));
        await using var db = factory.CreateDbContext(scope);
        Assert.Equal(0, await db.Memberships.CountAsync(m => m.UserId == user.Id));
        Assert.NotEqual(name.Trim(), (await db.Tenants.SingleAsync(t => t.Id == tenantId)).Name);
    }

    [Theory]
    [MemberData(nameof(GoodNames))]
    public async Task Real_names_in_other_scripts_and_with_emoji_are_accepted(string name)
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        var user = await factory.CreateUserAsync();
        using var scope = factory.Services.CreateScope();
        await using var owner = await factory.As(tenantId, ownerId);

        var created = await scope.ServiceProvider.GetRequiredService<OrganizationService>()
            .CreateAsync(user.Id, name, "x" + Guid.NewGuid().ToString("N")[..12]);
        var renamed = await Outcome.Of(owner.Get<OrganizationSettingsService>().RenameAsync(name));

        Assert.Equal(name, created.Name);
        Assert.True(renamed.Succeeded, renamed.Message);
    }

    [Fact]
    public void A_lone_surrogate_is_a_broken_character()
    {
        // Kept out of the theory data: xunit replaces lone surrogates in serialised test cases.
        Assert.Contains("broken character", NameRules.Problem("Acme\uD800 Ltd"));
        Assert.Contains("broken character", NameRules.Problem("\uDE80Acme"));
    }

    [Fact]
    public async Task The_API_refuses_an_overridden_name_with_problem_details()
    {
        var user = await factory.CreateUserAsync();
        using var client = factory.CreatePortalClient();
        await SignIn.SucceedsAsync(client, user.Email!);

        var response = await client.Http.PostAsJsonAsync("/api/v1/organizations",
            new { name = "\u202Elive Corp", slug = "x" + Guid.NewGuid().ToString("N")[..12] });
        var problem = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("text-direction", problem);
    }

    [Theory]
    [InlineData("\u202ELovelace Ada")]
    [InlineData("\u200B\u200B")]
    [InlineData("Ada\nLovelace")]
    public async Task A_lease_cannot_be_signed_with_a_disguised_name(string signer)
    {
        var (tenantId, ownerId) = await factory.NewTenantAsync();
        await using var member = await factory.As(tenantId, ownerId);
        var held = await member.Quoting.HoldAsync(new LeaseRequest("us-south-1", "a100-80gb", 1, factory.ThisHour.AddHours(30), 2));

        var refused = await Assert.ThrowsAsync<LeaseException>(() => member.Signing.SignAsync(held.Id, signer, accepted: true));
        var signed = await member.Signing.SignAsync(held.Id, "山田 太郎 🚀", accepted: true);

        Assert.Equal(400, refused.Status);
        Assert.Equal("山田 太郎 🚀", signed.SignerName);
    }
}
