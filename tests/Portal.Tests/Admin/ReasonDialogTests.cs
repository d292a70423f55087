using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Web.Admin;

namespace Portal.Tests.Admin;

/// <summary>The reason dialog keeps Support from confirming without a reason, and hands back what they typed, trimmed.</summary>
public sealed class ReasonDialogTests : IAsyncLifetime
{
    private readonly BunitContext ctx = new();

    public Task InitializeAsync()
    {
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await ctx.DisposeAsync();

    [Fact]
    public async Task A_too_short_reason_keeps_the_dialog_open_and_a_proper_one_is_returned_trimmed()
    {
        ctx.Render<MudPopoverProvider>();
        var provider = ctx.Render<MudDialogProvider>();
        var dialogs = ctx.Services.GetRequiredService<IDialogService>();
        Task<string?> asked = null!;
        // A statement lambda: InvokeAsync must not await the dialog, which waits for the clicks below.
        await provider.InvokeAsync(() => { asked = ReasonDialog.AskAsync(dialogs, "Suspend Acme?", "Members can still read.", "Suspend", Color.Error); });

        provider.WaitForElement("#reason").Input("ab");
        provider.Find("[data-testid=reason-confirm]").Click();

        Assert.Contains("Give a reason of 3 to 500 characters", provider.Markup);
        Assert.False(asked.IsCompleted);

        provider.Find("#reason").Input("  Unpaid invoice  ");
        provider.Find("[data-testid=reason-confirm]").Click();

        Assert.Equal("Unpaid invoice", await asked.WaitAsync(TimeSpan.FromSeconds(5)));
        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll("[data-testid=reason-confirm]")));
    }

    [Fact]
    public async Task Cancelling_returns_no_reason()
    {
        ctx.Render<MudPopoverProvider>();
        var provider = ctx.Render<MudDialogProvider>();
        var dialogs = ctx.Services.GetRequiredService<IDialogService>();
        Task<string?> asked = null!;
        // A statement lambda: InvokeAsync must not await the dialog, which waits for the clicks below.
        await provider.InvokeAsync(() => { asked = ReasonDialog.AskAsync(dialogs, "Lock ada@example.com?", "They cannot sign in.", "Lock", Color.Error); });

        provider.WaitForElement("#reason").Input("Typed, then changed my mind");
        provider.Find("[data-testid=reason-cancel]").Click();

        Assert.Null(await asked.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
