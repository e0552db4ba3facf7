using Microsoft.Playwright;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

/// <summary>Step-up (RFC 9470) through the pages: an old sign-in is asked for the password again, then the action is repeated.</summary>
[Collection(BrowserCollection.Name)]
public sealed class StepUpTests(Browsers browsers)
{
    [Fact]
    public async Task ASensitiveActionAfterAnOldSignInAsksForThePasswordInADialogAndThenSucceeds()
    {
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        await NewOwnerAsync(page, "stepup");
        await page.GotoAsync("/tenant");
        await Assertions.Expect(page.GetByLabel("Name")).ToHaveValueAsync("Acme");
        try
        {
            // Note: past Latchkey:StepUp:MaxAge (10 minutes) but well within the session's lifetime.
            browsers.Server.Clock.Offset = TimeSpan.FromMinutes(11);
            await page.GetByLabel("Name").FillAsync("Acme Renamed");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

            var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Confirm it is you" });
            await Assertions.Expect(dialog).ToBeVisibleAsync();
            await dialog.GetByLabel("Password").FillAsync("not the password at all");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
            await Assertions.Expect(dialog.GetByRole(AriaRole.Alert)).ToContainTextAsync("wrong");
            await dialog.GetByLabel("Password").FillAsync(Password);
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();

            await Assertions.Expect(dialog).ToBeHiddenAsync();
            await Assertions.Expect(page.Locator("#tenant-message")).ToHaveTextAsync("Saved.");
            await page.ReloadAsync();
            await Assertions.Expect(page.GetByLabel("Name")).ToHaveValueAsync("Acme Renamed");
        }
        finally
        {
            browsers.Server.Clock.Offset = TimeSpan.Zero;
        }
    }
}
