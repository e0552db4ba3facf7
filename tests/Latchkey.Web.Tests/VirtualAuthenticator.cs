using Microsoft.Playwright;

namespace Latchkey.Web.Tests;

/// <summary>
/// Chromium's virtual authenticator (DevTools Protocol, WebAuthn domain): a platform authenticator (CTAP2, internal
/// transport) with resident keys and user verification that always succeeds, so passkey ceremonies need no person.
/// </summary>
internal static class VirtualAuthenticator
{
    public static async Task AddAsync(IBrowserContext device, IPage page)
    {
        var session = await device.NewCDPSessionAsync(page);
        await session.SendAsync("WebAuthn.enable");
        await session.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
    }

    /// <summary>Adds a passkey named <paramref name="name"/> on the Account page (the session must be recent).</summary>
    public static async Task AddPasskeyAsync(IPage page, string name)
    {
        await page.GotoAsync("/account");
        await page.GetByLabel("Name of the new passkey (optional)").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();
        await Assertions.Expect(page.Locator("#passkey-message")).ToHaveTextAsync($"The passkey {name} is added.");
    }
}
