using Portal.Core.Billing;

namespace Portal.Web.Billing;

/// <summary>
/// The invoice downloads for the signed-in member's browser (cookie). Any member may download, Viewers included;
/// another organisation's invoice is a 404, exactly like one that does not exist. Support downloads from the admin
/// page through the same renderers (audited when the invoice is opened there).
/// </summary>
public static class BillingWebExtensions
{
    public static WebApplication MapPortalBilling(this WebApplication app)
    {
        var invoice = app.MapGroup("/billing/invoices/{id:guid}").RequireAuthorization().ExcludeFromDescription();
        invoice.MapGet("/{name}.pdf", async (Guid id, InvoiceService invoices, CancellationToken ct) =>
            await invoices.GetAsync(id, ct) is { } d ? Results.File(InvoicePdf.Render(d), "application/pdf", $"{d.Invoice.Number}.pdf") : Results.NotFound());
        invoice.MapGet("/{name}.csv", async (Guid id, InvoiceService invoices, CancellationToken ct) =>
            await invoices.GetAsync(id, ct) is { } d ? Results.File(InvoiceCsv.Render(d), "text/csv", $"{d.Invoice.Number}.csv") : Results.NotFound());
        var admin = app.MapGroup("/admin/billing/invoices/{id:guid}")
            .RequireAuthorization(Components.Account.AccountServiceCollectionExtensions.SupportPolicy).ExcludeFromDescription();
        admin.MapGet("/{name}.pdf", async (Guid id, BillingAdminService billing, CancellationToken ct) =>
            await billing.GetAsync(id, ct) is { } d ? Results.File(InvoicePdf.Render(d), "application/pdf", $"{d.Invoice.Number}.pdf") : Results.NotFound());
        admin.MapGet("/{name}.csv", async (Guid id, BillingAdminService billing, CancellationToken ct) =>
            await billing.GetAsync(id, ct) is { } d ? Results.File(InvoiceCsv.Render(d), "text/csv", $"{d.Invoice.Number}.csv") : Results.NotFound());
        return app;
    }
}
