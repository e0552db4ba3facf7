using Microsoft.Playwright;

namespace Latchkey.Web.Tests;

/// <summary>
/// One Chromium (Debian's <c>/usr/bin/chromium</c>; nothing is downloaded) and one server for the whole test run; each
/// test opens its own browser contexts, which share no cookies or storage, like separate devices.
/// </summary>
public sealed class Browsers : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright _playwright = null!;

    public IBrowser Browser { get; private set; } = null!;

    public WebServer Server { get; } = new();

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: install it with `apt-get install -y chromium` (./test.sh does).");
        }

        // Note: the suite's projects run side by side on two cores; a page may take longer than Playwright's 5 s
        // default to settle there, and a slow pass is not a failure.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Note: without the background-networking switches Chromium waits on services it cannot reach on a
            // closed network.
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>A fresh browser profile ("a device"), at desktop width unless told otherwise.</summary>
    public Task<IBrowserContext> NewDeviceAsync(int width = 1200, int height = 800, bool clipboard = false, bool passkeyOrigin = false) =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = passkeyOrigin ? Server.PasskeyBaseUrl : Server.BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Permissions = clipboard ? ["clipboard-read", "clipboard-write"] : [],
        });
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Browsers>
{
    public const string Name = "browser";
}
