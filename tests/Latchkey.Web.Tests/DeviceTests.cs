using Microsoft.Playwright;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

[Collection(BrowserCollection.Name)]
public sealed class DeviceTests(Browsers browsers)
{
    [Fact]
    public async Task APersonSeesThisDeviceEndsTheirOtherOneAndThatOneIsSentToSignInOnItsNextPage()
    {
        await using var laptop = await browsers.NewDeviceAsync();
        await using var phone = await browsers.NewDeviceAsync(width: 390, height: 844);
        var laptopPage = await laptop.NewPageAsync();
        var phonePage = await phone.NewPageAsync();

        var login = await NewOwnerAsync(laptopPage, "devices");
        await Assertions.Expect(laptopPage).ToHaveURLAsync(browsers.Server.BaseUrl + "/devices");
        await Assertions.Expect(DeviceRows(laptopPage)).ToHaveCountAsync(1);
        await Assertions.Expect(DeviceRows(laptopPage).First).ToContainTextAsync("This device");
        await Assertions.Expect(DeviceRows(laptopPage).First).ToContainTextAsync("Chrome on Linux");
        await Assertions.Expect(DeviceRows(laptopPage).First).ToContainTextAsync("from 127.0.0.1");

        await SignInAsync(phonePage, login);
        await laptopPage.ReloadAsync();
        await Assertions.Expect(DeviceRows(laptopPage)).ToHaveCountAsync(2);
        var other = laptopPage.Locator("#devices tbody tr[data-current=false]");
        await other.GetByRole(AriaRole.Button, new() { NameRegex = new("^End session") }).ClickAsync();
        await Assertions.Expect(laptopPage.Locator("#devices-message")).ToContainTextAsync("Ended the session");
        await Assertions.Expect(DeviceRows(laptopPage)).ToHaveCountAsync(1);

        await phonePage.GotoAsync("/devices");
        await Assertions.Expect(phonePage).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login\\?returnUrl=%2Fdevices&reason=logged_out$"));
        await Assertions.Expect(phonePage.GetByRole(AriaRole.Alert)).ToContainTextAsync("You were signed out on another device");
        await Assertions.Expect(phonePage.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task SigningUpSignsTheNewOwnerInAndLandsOnTheirDevices()
    {
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();

        await SignUpAsync(page, NewLogin("newcomer"));

        await Assertions.Expect(page).ToHaveURLAsync(browsers.Server.BaseUrl + "/devices");
        await Assertions.Expect(DeviceRows(page)).ToHaveCountAsync(1);
        await Assertions.Expect(DeviceRows(page).First).ToContainTextAsync("This device");
    }

    [Fact]
    public async Task SigningOutAllOtherDevicesKeepsThisOne()
    {
        await using var first = await browsers.NewDeviceAsync();
        await using var second = await browsers.NewDeviceAsync();
        var page = await first.NewPageAsync();
        var login = await NewOwnerAsync(page, "others");
        await SignInAsync(await second.NewPageAsync(), login);
        await ApiLoginAsync(browsers.Server, login);
        await page.ReloadAsync();
        await Assertions.Expect(DeviceRows(page)).ToHaveCountAsync(3);

        var endOthers = page.GetByRole(AriaRole.Button, new() { Name = "Sign out all other devices" });
        await endOthers.ClickAsync();
        var dialog = ConfirmDialog(page);
        await Assertions.Expect(dialog).ToContainTextAsync("This device stays signed in.");
        // The dialog keeps focus inside it: it starts on Cancel, Tab wraps round, and Escape cancels.
        await Assertions.Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Sign out other devices" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Shift+Tab");
        await Assertions.Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(endOthers).ToBeFocusedAsync();
        await page.ReloadAsync();
        await Assertions.Expect(DeviceRows(page)).ToHaveCountAsync(3);

        await endOthers.ClickAsync();
        await AnswerAsync(page, "Sign out other devices");

        await Assertions.Expect(page.Locator("#devices-message")).ToContainTextAsync("Signed out 2 other devices");
        await Assertions.Expect(DeviceRows(page)).ToHaveCountAsync(1);
        await Assertions.Expect(DeviceRows(page).First).ToContainTextAsync("This device");
    }

    [Fact]
    public async Task ChangingThePasswordSignsOutTheOtherBrowsers()
    {
        await using var first = await browsers.NewDeviceAsync();
        await using var second = await browsers.NewDeviceAsync();
        var page = await first.NewPageAsync();
        var otherPage = await second.NewPageAsync();
        var login = await NewOwnerAsync(page, "password");
        await SignInAsync(otherPage, login);

        await page.GotoAsync("/password");
        await page.GetByLabel("Current password").FillAsync(Password);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a brand new passphrase for today");
        await page.GetByLabel("Repeat the new password").FillAsync("a brand new passphrase for today");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();

        await Assertions.Expect(page.Locator("#password-message")).ToContainTextAsync("Every other device has been signed out");
        await otherPage.ReloadAsync();
        await Assertions.Expect(otherPage).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login\\?returnUrl=.*&reason=password_changed$"));
        await Assertions.Expect(otherPage.Locator("#login-message"))
            .ToHaveTextAsync("You were signed out because your password was changed. Please sign in again.");
        await page.GotoAsync("/devices");
        await Assertions.Expect(DeviceRows(page)).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task OpeningAProtectedPageWithoutASessionLeadsToSignInAndBackToThatPage()
    {
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        var login = NewLogin("return");
        await CreateAccountAsync(browsers.Server, login);

        await page.GotoAsync("/password");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login\\?returnUrl=%2Fpassword$"));
        await SignInAsync(page, login);

        await Assertions.Expect(page).ToHaveURLAsync(browsers.Server.BaseUrl + "/password");
    }

    [Fact]
    public async Task AWrongPasswordAndAnUnknownLoginGetTheSameMessage()
    {
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        var login = NewLogin("same");
        await CreateAccountAsync(browsers.Server, login);
        await page.GotoAsync("/login");

        await page.GetByLabel("Login (e-mail or name)").FillAsync(login);
        await page.GetByLabel("Password").FillAsync("not the password at all");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#login-message")).ToBeVisibleAsync();
        var wrongPassword = await page.Locator("#login-message").TextContentAsync();
        await page.Locator("#login-message").EvaluateAsync("m => m.textContent = ''");
        await page.GetByLabel("Login (e-mail or name)").FillAsync(NewLogin("nobody"));
        await page.GetByLabel("Password").FillAsync("not the password at all");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();

        await Assertions.Expect(page.Locator("#login-message")).ToHaveTextAsync("The login or password is wrong.");
        Assert.Equal("The login or password is wrong.", wrongPassword);
    }

    [Fact]
    public async Task TheKeyStaysInTheHttpOnlyCookieWhereThePageCannotReadIt()
    {
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        var login = NewLogin("httponly");
        await CreateAccountAsync(browsers.Server, login);

        var body = "";
        await page.RouteAsync("**/v1/login*", async route =>
        {
            var response = await route.FetchAsync();
            body = await response.TextAsync();
            await route.FulfillAsync(new() { Response = response });
        });
        await SignInAsync(page, login);
        var scriptCookies = await page.EvaluateAsync<string>("document.cookie");
        var storage = await page.EvaluateAsync<string>("JSON.stringify(Object.assign({}, localStorage, sessionStorage))");
        var cookies = await device.CookiesAsync();

        Assert.DoesNotContain("apiKey", body);
        Assert.DoesNotContain("lk_key_", body);
        Assert.DoesNotContain("lk_key_", scriptCookies);
        Assert.DoesNotContain("lk_key_", storage);
        var session = Assert.Single(cookies, c => c.Value.StartsWith("lk_key_", StringComparison.Ordinal));
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, session.SameSite);
    }
}
