using System.Text;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Options;
using MudBlazor;
using Portal.Core.Leases;
using Portal.Core.Refusals;
using Portal.Core.ScriptJobs;
using Portal.Core.Tenancy;
using Portal.Web.Leases;

namespace Portal.Web.ScriptJobs;

/// <summary>
/// Launch a job on a lease: the form gathers the request, the launch service validates it and shows its refusals under
/// each field. One idempotency key per form, so a double click (or a retry after a lost answer) launches one job.
/// </summary>
public partial class LaunchJobPage
{
    /// <summary>
    /// What a text area may hold: its text travels in one SignalR message, which Blazor Server caps at 32 KB (as on the
    /// new batch page); a longer script is uploaded as a file.
    /// </summary>
    public const int MaxTypedChars = 8_000;
    private const int PreviewLines = 40;

    [Inject] private LeaseQueries Leases { get; set; } = default!;
    [Inject] private ScriptJobLaunching Launching { get; set; } = default!;
    [Inject] private CurrentTenant Tenant { get; set; } = default!;
    [Inject] private IOptions<ScriptJobOptions> Options { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [Parameter] public Guid LeaseId { get; set; }

    private Lease? lease;
    private readonly LaunchJobForm form = new();
    private LaunchJobErrors errors = new();
    private string? error;
    private bool launching, reading;
    private List<BreadcrumbItem> breadcrumbs = [];

    private string LeaseHref => $"/leases/{LeaseId}";
    private bool Actionable => RendererInfo.IsInteractive && !launching && !reading;
    private bool Has(string field) => errors.Has(field);
    private string? Err(string field) => errors[field];

    protected override async Task OnParametersSetAsync()
    {
        lease = await Leases.GetAsync(LeaseId);
        if (lease is null)
        {
            Navigation.NotFound();
            return;
        }
        breadcrumbs = [new("Leases", "/leases"), new($"{LeaseUi.Gpus(lease.Gpus)} · {lease.SkuId}", LeaseHref), new("Launch a job", null, disabled: true)];
    }

    private async Task UploadScriptAsync(IBrowserFile? file)
    {
        if (file is null) return;
        errors = new();
        var max = Options.Value.MaxScriptBytes;
        if (file.Size > max)
        {
            errors = new LaunchJobErrors().With("script",
                $"{file.Name} has {ScriptJobUi.Bytes(file.Size)}; a script may have at most {ScriptJobUi.Bytes(max)}.");
            return;
        }
        reading = true;
        try
        {
            using var buffer = new MemoryStream();
            await using (var stream = file.OpenReadStream(maxAllowedSize: max)) await stream.CopyToAsync(buffer);
            var bytes = buffer.ToArray();
            // A short script goes into the text area to be edited; a long one runs as uploaded.
            if (bytes.Length <= MaxTypedChars)
                (form.Script, form.ScriptFile) = (Encoding.UTF8.GetString(bytes), null);
            else form.ScriptFile = new LaunchJobForm.UploadedFile(file.Name, bytes);
            if (string.IsNullOrWhiteSpace(form.Name)) form.Name = Path.GetFileNameWithoutExtension(file.Name);
        }
        catch (IOException e) { errors = new LaunchJobErrors().With("script", $"The upload of {file.Name} stopped: {e.Message} Try again."); }
        finally { reading = false; }
    }

    private static string ScriptPreview(LaunchJobForm.UploadedFile file)
    {
        var lines = Encoding.UTF8.GetString(file.Content).Split('\n');
        return lines.Length <= PreviewLines ? string.Join('\n', lines)
            : string.Join('\n', lines.Take(PreviewLines)) + $"\n… {lines.Length - PreviewLines:N0} more lines";
    }

    private async Task LaunchAsync()
    {
        if (launching) return;
        (error, errors) = (null, new());
        var (codes, codesError) = form.ParseExitCodes();
        if (codes is null)
        {
            errors = new LaunchJobErrors().With("retryexitcodes", codesError!);
            return;
        }
        launching = true;
        try
        {
            var job = await Launching.LaunchAsync(LeaseId, form.ToRequest(codes));
            Navigation.NavigateTo($"/jobs/{job.Id}");
        }
        catch (FieldsRefusedException e)
        {
            errors = new LaunchJobErrors(e.Errors);
            error = "Nothing was launched: " + (errors.Unclaimed ?? "fix the fields marked in red.");
        }
        catch (ScriptJobTimeLimitException e)
        {
            // Shown under the time limit with the lease's end and a link to extend it.
            errors = new LaunchJobErrors().With("timelimitminutes", e.Message);
            error = "Nothing was launched: the time limit runs past the lease's end.";
        }
        catch (ActionRefusedException e)
        {
            error = e.Message;
        }
        finally { launching = false; }
    }
}
