using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using OtpNet;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

/// <summary>
/// axe-core on every page, at desktop and at phone width, each in the light and the dark colour scheme: no serious or
/// critical violation (contrast included).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(Browsers browsers)
{
    public static TheoryData<int> Widths => new() { 1200, 390 };

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task EveryPageHasNoSeriousOrCriticalAccessibilityViolation(int width)
    {
        await using var device = await browsers.NewDeviceAsync(width: width, height: 900, passkeyOrigin: true);
        var page = await device.NewPageAsync();
        await VirtualAuthenticator.AddAsync(device, page);
        var failures = new List<string>();
        foreach (var path in new[] { "/login", "/signup", "/example/", "/forgot-password", "/reset-password", "/verify-email", "/accept-invitation", "/no-such-page" })
        {
            await ScanAsync(page, path, failures);
        }

        var login = await NewOwnerAsync(page, "axe");
        await page.GotoAsync("/machine-users");
        await page.GetByLabel("Name").FillAsync("scanner");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create and show token" }).ClickAsync();
        await Assertions.Expect(page.Locator("#token-panel")).ToBeVisibleAsync();
        await ScanAsync(page, null, failures);
        await page.GotoAsync("/account");
        await page.Locator("#totp-password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
        await Assertions.Expect(page.Locator("#totp-qr svg")).ToBeVisibleAsync();
        await ScanAsync(page, null, failures);
        var secret = await page.GetByLabel("Key for manual entry").InputValueAsync();
        await page.GetByLabel("Code shown by the app").FillAsync(new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
        await Assertions.Expect(page.Locator("#recovery-codes li")).ToHaveCountAsync(10);
        await ScanAsync(page, null, failures);
        await VirtualAuthenticator.AddPasskeyAsync(page, "Axe laptop");
        foreach (var path in new[] { "/devices", "/account", "/password", "/users", "/machine-users", "/tenant", "/audit", "/forbidden", "/no-such-page" })
        {
            await ScanAsync(page, path, failures);
        }

        // The step-up dialog (an old sign-in, with an authenticator app and a passkey), then the second step of sign-in.
        try
        {
            await page.GotoAsync("/account");
            await Assertions.Expect(page.Locator("#passkey-list li")).ToHaveCountAsync(1);
            browsers.Server.Clock.Offset = TimeSpan.FromMinutes(11);
            await page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();
            var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Confirm it is you" });
            await Assertions.Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Confirm with a passkey" })).ToBeVisibleAsync();
            await ScanAsync(page, null, failures);
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        }
        finally
        {
            browsers.Server.Clock.Offset = TimeSpan.Zero;
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await ArriveAtAsync(page, "/login$");
        await page.GetByLabel("Login (e-mail or name)").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Use a passkey instead" })).ToBeVisibleAsync();
        await ScanAsync(page, null, failures);

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task TheSignInFormWorksWithTheKeyboardAlone()
    {
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        var login = NewLogin("keyboard");
        await CreateAccountAsync(browsers.Server, login);
        await page.GotoAsync("/login");

        await page.Keyboard.TypeAsync(login);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(Password);
        await page.Keyboard.PressAsync("Enter");

        await Assertions.Expect(page).ToHaveURLAsync(browsers.Server.BaseUrl + "/devices");
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
    }

    // Note: axe then details only the violations (the passes are what the scan spent most of its time collecting and
    // sending back, for a report nobody reads); every rule still runs.
    private static readonly Deque.AxeCore.Commons.AxeRunOptions ViolationsOnly = new()
    {
        ResultTypes = [Deque.AxeCore.Commons.ResultType.Violations],
    };

    private static async Task ScanAsync(IPage page, string? path, List<string> failures)
    {
        if (path is not null)
        {
            await page.GotoAsync(path);
        }

        // Note: the pages fill themselves from the API; scan once the script has settled. Each state is scanned in both
        // colour schemes (the media emulation restyles the page in place, so no flow is repeated).
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = scheme });
            var result = await page.RunAxe(ViolationsOnly);
            failures.AddRange(result.Violations
                .Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{page.Url} ({scheme}): {v.Id} ({v.Impact}) {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}"));
        }

        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Light });
    }
}
