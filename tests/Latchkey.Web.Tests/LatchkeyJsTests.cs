using System.Net.Http.Json;
using Microsoft.Playwright;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

[Collection(BrowserCollection.Name)]
public sealed class LatchkeyJsTests(Browsers browsers)
{
    [Fact]
    public async Task TheExampleAppLogsInCallsTheApiAndAsksToLogInAgainWhenItsSessionIsRevoked()
    {
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        var login = NewLogin("spa");
        await CreateAccountAsync(browsers.Server, login);

        await page.GotoAsync("/example/");
        await page.GetByLabel("Login").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        var request = await page.RunAndWaitForRequestAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Call /v1/me" }).ClickAsync(), r => r.Url.EndsWith("/v1/me", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#result")).ToContainTextAsync($"Hello {login}");
        var appId = await page.Locator("#app-id").TextContentAsync();
        Assert.StartsWith("Bearer lk_key_", request.Headers["authorization"]);
        Assert.Equal(appId, request.Headers["x-app-id"]);
        Assert.Contains(await device.CookiesAsync(), c => c.Name == "latchkey-spa-app" && c.Value == appId);
        Assert.DoesNotContain(await device.CookiesAsync(), c => c.Value.StartsWith("lk_key_", StringComparison.Ordinal));

        // The person ends every session from elsewhere (another device, the CLI).
        var (apiKey, cliAppId) = await ApiLoginAsync(browsers.Server, login);
        using var client = new HttpClient { BaseAddress = new Uri(browsers.Server.BaseUrl) };
        using var revokeAll = new HttpRequestMessage(HttpMethod.Delete, "/v1/sessions");
        revokeAll.Headers.Add("Authorization", $"Bearer {apiKey}");
        revokeAll.Headers.Add("X-App-Id", cliAppId);
        (await client.SendAsync(revokeAll)).EnsureSuccessStatusCode();
        await page.GetByRole(AriaRole.Button, new() { Name = "Call /v1/me" }).ClickAsync();

        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Your session has ended (logged_out)");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log in" })).ToBeVisibleAsync();
        Assert.Equal("null", await page.EvaluateAsync<string>("String(localStorage.getItem('latchkey.spa.key'))"));
    }

    [Fact]
    public async Task AReloadKeepsTheAppInstanceAndItsSession()
    {
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        var login = NewLogin("reload");
        await CreateAccountAsync(browsers.Server, login);
        await page.GotoAsync("/example/");
        await page.GetByLabel("Login").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Logged in.");
        var appId = await page.Locator("#app-id").TextContentAsync();

        await page.ReloadAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Call /v1/me" }).ClickAsync();

        await Assertions.Expect(page.Locator("#result")).ToContainTextAsync($"Hello {login}");
        await Assertions.Expect(page.Locator("#app-id")).ToHaveTextAsync(appId!);
    }
}
