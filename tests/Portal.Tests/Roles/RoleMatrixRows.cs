using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Portal.Core.ApiKeys;
using Portal.Core.Batches;
using Portal.Core.Billing;
using Portal.Core.Leases;
using Portal.Core.Tenancy;
using static Portal.Core.Tenancy.TenantRole;
using static Portal.Tests.Roles.RoleRow;

namespace Portal.Tests.Roles;

/// <summary>
/// Every action that changes something, with the least role allowed to do it (pages call the same services; APIs
/// are called over HTTP with the actor's cookie or an API key acting with the actor's role). Add a row per new action.
/// </summary>
public static class RoleMatrixRows
{
    public static readonly RoleRow[] All =
    [
        // Reads: every role.
        new("lease.list", Viewer, c => Act(() => c.As<LeaseQueries>(s => s.ListAsync()))),
        new("api.leases.list (key)", Viewer, async c => { var http = await c.KeyAsync(); return () => RoleCase.Expect(http.GetAsync("/api/v1/leases")); }),
        new("v1.batches.list (key)", Viewer, async c => { var http = await c.KeyAsync(); return () => RoleCase.Expect(http.GetAsync("/v1/batches")); }),
        new("v1.files.content (key)", Viewer, async c =>
        {
            var f = await c.FileAsync();
            var http = await c.KeyAsync();
            return () => RoleCase.Expect(http.GetAsync($"/v1/files/{f.Id}/content"));
        }),

        // Leases: a Member may quote (a free 10-minute hold) and drop their quote; signing and everything after it is for Admins and Owners.
        new("lease.quote", Member, c => Act(() => c.As<LeaseQuoting>(s =>
            s.HoldAsync(new LeaseRequest(RoleCase.Region, RoleCase.Sku, 1, c.Factory.ThisHour.AddHours(500), 2))))),
        new("lease.cancel-quote", Member, async c => { var l = await c.HeldLeaseAsync(); return () => c.As<LeaseCancelling>(s => s.CancelAsync(l.Id)); }),
        new("lease.sign", TenantRole.Admin, async c =>
        {
            var l = await c.HeldLeaseAsync();
            return () => c.As<LeaseSigning>(s => s.SignAsync(l.Id, "Ann Actor", true));
        }),
        new("lease.cancel", TenantRole.Admin, async c => { var l = await c.SignedLeaseAsync(); return () => c.As<LeaseCancelling>(s => s.CancelAsync(l.Id)); }),
        new("lease.extend", TenantRole.Admin, async c =>
        {
            var l = await c.SignedLeaseAsync();
            return () => c.As<LeaseExtending>(s => s.QuoteExtensionAsync(l.Id, 1));
        }),
        new("lease.sign-extension", TenantRole.Admin, async c =>
        {
            var l = await c.SignedLeaseAsync();
            var a = await c.HeldExtensionAsync(l);
            return () => c.As<ExtensionSigning>(s => s.SignExtensionAsync(l.Id, a.Id, "Ann Actor", true));
        }),
        new("lease.release", TenantRole.Admin, async c =>
        {
            var l = await c.ActiveLeaseAsync();
            return () => c.As<LeaseCancelling>(s => s.ReleaseAsync(l.Id));
        }),
        new("api.leases.quote (cookie)", Member, async c =>
        {
            var p = await c.CookieAsync();
            return () => RoleCase.Post(p.Http, "/api/v1/leases/quote", Quote(c));
        }),
        new("api.leases.sign (cookie)", TenantRole.Admin, async c =>
        {
            var l = await c.HeldLeaseAsync();
            var p = await c.CookieAsync();
            return () => RoleCase.Post(p.Http, $"/api/v1/leases/{l.Id}/sign", Signature);
        }),
        new("api.leases.cancel (cookie)", TenantRole.Admin, async c =>
        {
            var l = await c.SignedLeaseAsync();
            var p = await c.CookieAsync();
            return () => RoleCase.Post(p.Http, $"/api/v1/leases/{l.Id}/cancel", new { });
        }),
        new("api.leases.sign (key)", TenantRole.Admin, async c =>
        {
            var l = await c.HeldLeaseAsync();
            var http = await c.KeyAsync();
            return () => RoleCase.Post(http, $"/api/v1/leases/{l.Id}/sign", Signature);
        }),
        new("api.leases.extend (key)", TenantRole.Admin, async c =>
        {
            var l = await c.SignedLeaseAsync();
            var http = await c.KeyAsync();
            return () => RoleCase.Post(http, $"/api/v1/leases/{l.Id}/extend", new { hours = 1 });
        }),
        new("api.leases.sign-extension (key)", TenantRole.Admin, async c =>
        {
            var l = await c.SignedLeaseAsync();
            var a = await c.HeldExtensionAsync(l);
            var http = await c.KeyAsync();
            return () => RoleCase.Post(http, $"/api/v1/leases/{l.Id}/amendments/{a.Id}/sign", Signature);
        }),
        new("api.leases.release (key)", TenantRole.Admin, async c =>
        {
            var l = await c.ActiveLeaseAsync();
            var http = await c.KeyAsync();
            return () => RoleCase.Post(http, $"/api/v1/leases/{l.Id}/release", new { });
        }),

        // Files and batches: Members and up.
        new("file.upload", Member, c => Act(() => c.As<BatchFileService>(async s => await s.CreateAsync(await s.StoreAsync(Input()), "in.jsonl", "batch")))),
        new("file.delete", Member, async c => { var f = await c.FileAsync(); return () => c.As<BatchFileService>(s => s.DeleteAsync(f.Id)); }),
        new("batch.create", Member, async c =>
        {
            var f = await c.FileAsync();
            return () => c.As<BatchService>(s => s.CreateAsync(new BatchRequest(f.Id, "/v1/embeddings", "24h", null)));
        }),
        new("batch.cancel", Member, async c => { var b = await c.BatchAsync(); return () => c.As<BatchService>(s => s.CancelAsync(b.Id)); }),
        new("v1.files.upload (key)", Member, async c =>
        {
            var http = await c.KeyAsync();
            return () => RoleCase.Expect(http.PostAsync("/v1/files", Upload()));
        }),
        new("v1.files.delete (key)", Member, async c =>
        {
            var f = await c.FileAsync();
            var http = await c.KeyAsync();
            return () => RoleCase.Expect(http.DeleteAsync($"/v1/files/{f.Id}"));
        }),
        new("v1.batches.create (key)", Member, async c =>
        {
            var f = await c.FileAsync();
            var http = await c.KeyAsync();
            return () => RoleCase.Post(http, "/v1/batches", new { input_file_id = f.Id, endpoint = "/v1/embeddings", completion_window = "24h" });
        }),
        new("v1.batches.cancel (key)", Member, async c =>
        {
            var b = await c.BatchAsync();
            var http = await c.KeyAsync();
            return () => RoleCase.Post(http, $"/v1/batches/{b.Id}/cancel", new { });
        }),

        // API keys and people: Admins and Owners.
        new("api-key.create", TenantRole.Admin, c => Act(() => c.As<ApiKeyService>(s => s.CreateAsync("matrix", ApiKeyScopes.Read)))),
        new("api-key.revoke", TenantRole.Admin, async c => { var k = await c.ApiKeyAsync(); return () => c.As<ApiKeyService>(s => s.RevokeAsync(k.Key.Id)); }),
        new("team.invite", TenantRole.Admin, c => Act(() => c.As<TeamInvitations>(s => s.InviteAsync(NewEmail(), Viewer, "http://localhost/")))),
        new("team.resend", TenantRole.Admin, async c =>
        {
            var i = await c.AsOwner<TeamInvitations, PendingInvitation>(s => s.InviteAsync(NewEmail(), Member, "http://localhost/"));
            return () => c.As<TeamInvitations>(s => s.ResendAsync(i.Id, "http://localhost/"));
        }),
        new("team.revoke", TenantRole.Admin, async c =>
        {
            var i = await c.AsOwner<TeamInvitations, PendingInvitation>(s => s.InviteAsync(NewEmail(), Member, "http://localhost/"));
            return () => c.As<TeamInvitations>(s => s.RevokeInvitationAsync(i.Id));
        }),
        new("team.change-role", TenantRole.Admin, async c =>
        {
            var m = await c.OtherMemberAsync();
            return () => c.As<TeamMembers>(s => s.ChangeRoleAsync(m, Member));
        }),
        new("team.remove", TenantRole.Admin, async c => { var m = await c.OtherMemberAsync(); return () => c.As<TeamMembers>(s => s.RemoveAsync(m)); }),
        new("team.leave", Viewer, c => Act(() => c.As<TeamMembers>(s => s.LeaveAsync()))),
        new("api.team.invite (cookie)", TenantRole.Admin, async c =>
        {
            var p = await c.CookieAsync();
            return () => RoleCase.Post(p.Http, "/api/v1/organization/invitations", new { email = NewEmail(), role = "Member" });
        }),
        new("api.team.change-role (cookie)", TenantRole.Admin, async c =>
        {
            var m = await c.OtherMemberAsync();
            var p = await c.CookieAsync();
            return () => RoleCase.Expect(p.Http.PutAsJsonAsync($"/api/v1/organization/members/{m}/role", new { role = "Member" }));
        }),
        new("api.team.remove (cookie)", TenantRole.Admin, async c =>
        {
            var m = await c.OtherMemberAsync();
            var p = await c.CookieAsync();
            return () => RoleCase.Expect(p.Http.DeleteAsync($"/api/v1/organization/members/{m}"));
        }),

        // Billing and organisation settings: everyone reads usage and invoices; Admins rename; money settings are the Owners'.
        new("invoice.list", Viewer, c => Act(() => c.As<InvoiceService>(s => s.ListAsync()))),
        new("usage.export (cookie)", Viewer, async c => { var p = await c.CookieAsync(); return () => RoleCase.Expect(p.Http.GetAsync("/usage/export.csv")); }),
        new("org.rename", TenantRole.Admin, c => Act(() => c.Settings(s => s.RenameAsync($"Renamed {Guid.NewGuid():N}"[..20])))),
        new("org.billing-email", Owner, c => Act(() => c.Settings(s => s.SetBillingEmailAsync(NewEmail())))),
        new("org.spend-limit", Owner, c => Act(() => c.Settings(s => s.SetSpendLimitAsync(1_234_000_000)))),
    ];

    private static object Signature => new { signerName = "Ann Actor", accept = true };

    private static object Quote(RoleCase c) =>
        new { region = RoleCase.Region, sku = RoleCase.Sku, gpus = 1, start = c.Factory.ThisHour.AddHours(600).ToString("yyyy-MM-ddTHH:mm:ssZ"), hours = 2 };

    private static string NewEmail() => $"matrix-{Guid.NewGuid():N}@example.com";

    private static MemoryStream Input() => new(Encoding.UTF8.GetBytes(RoleCase.InputLine + "\n"));

    private static MultipartFormDataContent Upload()
    {
        var file = new StreamContent(Input());
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        return new MultipartFormDataContent { { new StringContent("batch"), "purpose" }, { file, "file", "in.jsonl" } };
    }
}
