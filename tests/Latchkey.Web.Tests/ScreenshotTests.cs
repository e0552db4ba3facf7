using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using OtpNet;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

/// <summary>
/// Renders the main pages as a person sees them. The PNGs go to <c>LATCHKEY_SCREENSHOTS</c> when set (the README's
/// pictures: <c>docs/screenshots/regenerate.sh</c>), else to a temporary folder that is removed.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ScreenshotTests(Browsers browsers)
{
    [Fact]
    public async Task TheMainPagesRenderForTheReadme()
    {
        var target = Environment.GetEnvironmentVariable("LATCHKEY_SCREENSHOTS");
        var directory = string.IsNullOrEmpty(target) ? Directory.CreateTempSubdirectory("latchkey-shots-").FullName : Directory.CreateDirectory(target).FullName;
        try
        {
            var shots = await TakeAsync(directory);

            foreach (var shot in shots)
            {
                Assert.True(new FileInfo(shot).Length > 10_000, $"{shot} looks empty");
            }
        }
        finally
        {
            if (string.IsNullOrEmpty(target))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private async Task<List<string>> TakeAsync(string directory)
    {
        var shots = new List<string>();
        await using var laptop = await browsers.NewDeviceAsync(width: 1100, height: 700, passkeyOrigin: true);
        await using var phone = await browsers.NewDeviceAsync(width: 390, height: 844);
        var page = await laptop.NewPageAsync();
        await VirtualAuthenticator.AddAsync(laptop, page);
        var login = $"alice-{Guid.NewGuid():N}"[..14] + "@example.com";

        await page.GotoAsync("/login");
        shots.Add(await ShootAsync(page, directory, "sign-in"));
        await SignUpAsync(page, login, "Acme Rockets");
        await SignInAsync(await phone.NewPageAsync(), login);
        await ApiLoginAsync(browsers.Server, login, "cli-4f9a27c1", "Latchkey CLI on build server");
        await page.ReloadAsync();
        await Assertions.Expect(DeviceRows(page)).ToHaveCountAsync(3);
        shots.Add(await ShootAsync(page, directory, "devices"));

        await page.GotoAsync("/users");
        var carol = "";
        foreach (var (person, role) in new[] { ("bob@example.com", "admin"), ("carol@example.com", "member") })
        {
            var name = carol = person.Replace("@", $"-{Guid.NewGuid():N}"[..7] + "@", StringComparison.Ordinal);
            await page.GetByLabel("Login (e-mail or name)").FillAsync(name);
            await page.GetByLabel("First password").FillAsync(Password);
            await page.Locator("#user-role").SelectOptionAsync(role);
            await page.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator("#users-message")).ToContainTextAsync(name);
        }

        shots.Add(await ShootAsync(page, directory, "users"));

        // The lock state and a confirmation dialog (as the window shows it: a modal is placed in the viewport), in both
        // colour schemes.
        await LockAsync(browsers.Server, carol);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#users tbody tr", new() { HasText = carol }).Locator("td[data-label='Status']")).ToContainTextAsync("Locked");
        shots.Add(await ShootAsync(page, directory, "users-locked"));
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
        shots.Add(await ShootAsync(page, directory, "users-locked-dark"));
        await page.GetByRole(AriaRole.Button, new() { Name = $"Delete {carol}" }).ClickAsync();
        await Assertions.Expect(page.Locator("dialog[open]")).ToBeVisibleAsync();
        shots.Add(await ShootAsync(page, directory, "confirm-delete-dark", fullPage: false));
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Light });
        shots.Add(await ShootAsync(page, directory, "confirm-delete", fullPage: false));
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator("dialog[open]")).ToHaveCountAsync(0);

        await page.GotoAsync("/account");
        await page.Locator("#totp-password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
        await Assertions.Expect(page.Locator("#totp-qr svg")).ToBeVisibleAsync();
        shots.Add(await ShootAsync(page, directory, "account-second-factor"));

        await page.GotoAsync("/machine-users");
        await page.GetByLabel("Name").FillAsync("deploy-bot");
        await page.GetByLabel("Scopes").FillAsync("deploy read:metrics");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create and show token" }).ClickAsync();
        await Assertions.Expect(page.Locator("#token-panel")).ToBeVisibleAsync();
        shots.Add(await ShootAsync(page, directory, "machine-users-token"));

        await page.GotoAsync("/audit");
        await Assertions.Expect(page.Locator("#audit tbody tr").First).ToBeVisibleAsync();
        shots.Add(await ShootAsync(page, directory, "audit-log"));
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
        shots.Add(await ShootAsync(page, directory, "audit-log-dark"));
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Light });

        var phonePage = phone.Pages[0];
        await phonePage.GotoAsync("/devices");
        await Assertions.Expect(DeviceRows(phonePage)).ToHaveCountAsync(3);
        shots.Add(await ShootAsync(phonePage, directory, "devices-phone"));

        // The second factors: the app turned on, a passkey added, then the second step of a sign-in offering both.
        await page.GotoAsync("/account");
        await page.Locator("#totp-password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
        await Assertions.Expect(page.Locator("#totp-qr svg")).ToBeVisibleAsync();
        var secret = await page.GetByLabel("Key for manual entry").InputValueAsync();
        await page.GetByLabel("Code shown by the app").FillAsync(new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "I have stored them" }).ClickAsync();
        await VirtualAuthenticator.AddPasskeyAsync(page, "Work laptop");
        shots.Add(await ShootAsync(page, directory, "account-passkeys"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await ArriveAtAsync(page, "/login$");
        await page.GetByLabel("Login (e-mail or name)").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Use a passkey instead" })).ToBeVisibleAsync();
        shots.Add(await ShootAsync(page, directory, "sign-in-code-prompt"));
        return shots;
    }

    /// <summary>Wrong passwords over the API until the login locks; a 429 while a delay runs is waited out as it says.</summary>
    private static async Task LockAsync(WebServer server, string login)
    {
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        for (var failures = 0; failures < 6;)
        {
            var response = await client.PostAsJsonAsync("/v1/login?useCookies=false", new { login, password = "not the right passphrase", appId = "tests-cli-0003" });
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                continue;
            }

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            failures++;
        }
    }

    private static async Task<string> ShootAsync(IPage page, string directory, string name, bool fullPage = true)
    {
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var path = Path.Combine(directory, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
        return path;
    }
}
