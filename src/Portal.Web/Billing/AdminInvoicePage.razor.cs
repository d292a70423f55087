using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Admin;
using Portal.Core.Billing;
using Portal.Web.Admin;
using Portal.Web.Refusals;

namespace Portal.Web.Billing;

/// <summary>Support's view of one invoice of any tenant: mark paid, void (with a reason), re-issue a void one, add a credit. All audited.</summary>
public partial class AdminInvoicePage
{
    [Parameter] public Guid Id { get; set; }
    [CascadingParameter] private HttpContext? HttpContext { get; set; }

    [Inject] private BillingAdminService Billing { get; set; } = default!;
    [Inject] private BillingAdminActionService Actions { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private InvoiceDetail? detail;
    private List<CreditRow> credits = [];
    private bool loaded, busy;
    private List<BreadcrumbItem> breadcrumbs = [];
    private bool Busy => busy || !RendererInfo.IsInteractive;

    protected override async Task OnParametersSetAsync()
    {
        await LoadAsync();
        if (detail is null && HttpContext is not null) HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    private async Task LoadAsync()
    {
        detail = await Billing.GetAsync(Id);
        loaded = true;
        credits = detail is null ? [] : await Billing.CreditsAsync(detail.Invoice.TenantId);
        breadcrumbs = detail is null
            ? [new("Billing", "/admin/billing"), new("Invoice", null, disabled: true)]
            : [new("Billing", "/admin/billing"), new(detail.TenantName, $"/admin/tenants/{detail.Invoice.TenantId}"),
               new(detail.Invoice.Number, null, disabled: true)];
    }

    private Task MarkPaidAsync() => ActAsync(async () =>
    {
        var reference = await ReasonDialog.AskAsync(Dialogs, $"Mark {detail!.Invoice.Number} paid?",
            "Record how it was paid: a bank transfer's reference, say.", "Mark paid", Color.Success, "Kept with the invoice and in the audit log.");
        return reference is null ? null : await Actions.MarkPaidAsync(Id, reference);
    });

    private Task VoidAsync() => ActAsync(async () =>
    {
        var reason = await ReasonDialog.AskAsync(Dialogs, $"Void {detail!.Invoice.Number}?",
            "It no longer counts as owed and the credits it used are free again. Re-issue it afterwards to bill the month again under a new number.",
            "Void", Color.Error);
        return reason is null ? null : await Actions.VoidAsync(Id, reason);
    });

    private async Task ReissueAsync()
    {
        busy = true;
        try
        {
            var reissued = await Snackbar.ReportAsync(() => Actions.ReissueAsync(Id));
            await LoadAsync();
            if (reissued && detail?.ReplacedBy is { } created) Navigation.NavigateTo($"/admin/billing/invoices/{created.Id}");
        }
        finally { busy = false; }
    }

    private Task AddCreditAsync() => ActAsync(() => AddCreditDialog.ShowAsync(Dialogs, detail!.Invoice.TenantId));

    /// <summary>An action behind a dialog: null when the dialog was cancelled, else what was done.</summary>
    private async Task ActAsync(Func<Task<string?>> action)
    {
        busy = true;
        try
        {
            string? done = null;
            var refusal = await PageRefusals.RefusalAsync(async () => done = await action());
            if (refusal is null && done is null) return;
            Snackbar.Add(refusal ?? done!, refusal is null ? Severity.Success : Severity.Error);
            await LoadAsync();
        }
        finally { busy = false; }
    }
}
