using Microsoft.Playwright;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

/// <summary>
/// Passkeys through the pages, with Chromium's virtual authenticator (DevTools Protocol WebAuthn domain) as a platform
/// authenticator with a resident key and user verification: register, sign in without a password, sign in with the
/// password and the passkey, remove.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PasskeyTests(Browsers browsers)
{
    [Fact]
    public async Task APersonAddsAPasskeySignsInWithItAloneAndAfterThePasswordThenRemovesIt()
    {
        var server = browsers.Server;
        await using var device = await browsers.NewDeviceAsync(passkeyOrigin: true);
        var page = await device.NewPageAsync();
        await VirtualAuthenticator.AddAsync(device, page);
        var login = await NewOwnerAsync(page, "passkey");

        await page.GotoAsync("/account");
        await Assertions.Expect(page.Locator("#passkey-none")).ToBeVisibleAsync();
        await VirtualAuthenticator.AddPasskeyAsync(page, "This laptop");
        await Assertions.Expect(page.Locator("#passkey-list li")).ToHaveCountAsync(1);

        // Without a password: the discoverable passkey names the person.
        await SignOutAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(server.PasskeyBaseUrl + "/devices");
        await Assertions.Expect(DeviceRows(page)).ToHaveCountAsync(1);

        // With the password, the passkey is the second step.
        await SignOutAsync(page);
        await page.GetByLabel("Login (e-mail or name)").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Use your passkey" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(server.PasskeyBaseUrl + "/devices");

        await page.GotoAsync("/account");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove passkey This laptop" }).ClickAsync();
        await Assertions.Expect(page.Locator("#passkey-message")).ToHaveTextAsync("The passkey This laptop is removed.");
        await Assertions.Expect(page.Locator("#passkey-none")).ToBeVisibleAsync();

        // The authenticator still holds the key, but the server no longer knows it.
        await SignOutAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();
        await Assertions.Expect(page.Locator("#login-message")).ToContainTextAsync("not accepted");
    }

    private static async Task SignOutAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await ArriveAtAsync(page, "/login$");
    }
}
