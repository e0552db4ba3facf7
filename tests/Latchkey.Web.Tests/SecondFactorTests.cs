using Microsoft.Playwright;
using OtpNet;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

/// <summary>An authenticator app through the pages: enrolment on the Account page, then the second step of sign-in.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SecondFactorTests(Browsers browsers)
{
    [Fact]
    public async Task APersonEnrolsAnAuthenticatorAppAndThenSignsInWithPasswordAndCode()
    {
        var server = browsers.Server;
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        var login = await NewOwnerAsync(page, "totp");

        await page.GotoAsync("/account");
        await Assertions.Expect(page.Locator("#mfa-state")).ToContainTextAsync("No second factor");
        await page.Locator("#totp-password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "QR code of the authenticator key" })).ToBeVisibleAsync();
        var secret = await page.GetByLabel("Key for manual entry").InputValueAsync();
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        await page.GetByLabel("Code shown by the app").FillAsync(totp.ComputeTotp(DateTime.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
        await Assertions.Expect(page.Locator("#recovery-codes li")).ToHaveCountAsync(10);
        await Assertions.Expect(page.Locator("#mfa-state")).ToContainTextAsync("An authenticator app is on");
        await page.GetByRole(AriaRole.Button, new() { Name = "I have stored them" }).ClickAsync();
        await Assertions.Expect(page.Locator("#recovery-panel")).ToBeHiddenAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await ArriveAtAsync(page, "/login$");
        await page.GetByLabel("Login (e-mail or name)").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        var code = page.GetByLabel("Code from your authenticator app, or a recovery code");
        await Assertions.Expect(code).ToBeFocusedAsync();

        // Note: a code of a step already used is refused (replay); the next step's code is within the window.
        await code.FillAsync(totp.ComputeTotp(DateTime.UtcNow.AddSeconds(30)));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(server.BaseUrl + "/devices");
        await Assertions.Expect(DeviceRows(page)).ToHaveCountAsync(1);
    }
}
