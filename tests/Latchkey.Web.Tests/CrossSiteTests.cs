using Microsoft.Playwright;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

/// <summary>
/// An attacker's page on the same host but another port: the same site to the browser, so it sends the
/// <c>SameSite=Lax</c> cookies with a form post; only the Fetch Metadata rule stands in the way.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CrossSiteTests(Browsers browsers)
{
    private const string Attacker = "http://127.0.0.1:9/evil";

    [Fact]
    public async Task AFormPostedFromAnotherSiteWithTheSessionCookieIsRefused()
    {
        await using var device = await browsers.NewDeviceAsync(clipboard: true);
        var page = await device.NewPageAsync();
        await NewOwnerAsync(page, "csrf");
        await page.GotoAsync("/machine-users");
        await page.GetByLabel("Name").FillAsync("deploy-bot");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create and show token" }).ClickAsync();
        await Assertions.Expect(page.Locator("#token-value")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^lk_mach_"));
        var token = await page.Locator("#token-value").InputValueAsync();
        var machineId = await page.Locator("#machines tbody tr").GetAttributeAsync("data-machine");
        var ownerId = await page.EvaluateAsync<string>("fetch('/v1/me').then(r => r.json()).then(me => me.userId)");
        // Note: unlocking takes no body, so a plain form can aim at it and only the cross-site guard stands in the way
        // (an endpoint that reads JSON, such as rotating a token, already answers a form's content type with 415).
        await ServeAttackerPageAsync(page, $"/v1/users/{ownerId}/unlock", null);

        await page.GotoAsync(Attacker);
        var response = await page.RunAndWaitForResponseAsync(
            () => page.ClickAsync("button"), r => r.Url.EndsWith("/unlock", StringComparison.Ordinal));

        Assert.Equal(403, response.Status);
        Assert.Contains("Cross-site request refused", await response.TextAsync());

        // Note: rotation would lock the real machine out: a form aimed at it is refused too, and the token still works.
        await page.UnrouteAllAsync();
        await ServeAttackerPageAsync(page, $"/v1/machine-users/{machineId}/token", null);
        await page.GotoAsync(Attacker);
        var rotation = await page.RunAndWaitForResponseAsync(
            () => page.ClickAsync("button"), r => r.Url.EndsWith("/token", StringComparison.Ordinal));
        Assert.InRange(rotation.Status, 400, 499);
        using var client = new HttpClient { BaseAddress = new Uri(browsers.Server.BaseUrl) };
        client.DefaultRequestHeaders.Add("Authorization", $"Bearer {token}");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/v1/me")).StatusCode);
    }

    [Fact]
    public async Task ALoginFormPostedFromAnotherSiteSignsNobodyIn()
    {
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        var attackersAccount = NewLogin("attacker");
        await CreateAccountAsync(browsers.Server, attackersAccount);
        await ServeAttackerPageAsync(page, "/v1/login?useCookies=true",
            $$"""{"login":"{{attackersAccount}}","password":"{{Password}}","appId":"planted-app-1","x":"="}""");

        await page.GotoAsync(Attacker);
        var response = await page.RunAndWaitForResponseAsync(
            () => page.ClickAsync("button"), r => r.Url.Contains("/v1/login", StringComparison.Ordinal));

        // Note: refused before the rule is even reached: a form cannot send JSON, so routing answers 415; a script
        // that could (with CORS) would meet the 403 of the Fetch Metadata rule, asserted in Latchkey.Server.Tests.
        Assert.True(response.Status is 403 or 415, $"status {response.Status}");
        Assert.DoesNotContain(await device.CookiesAsync(), c => c.Value.StartsWith("lk_key_", StringComparison.Ordinal));
    }

    /// <summary>
    /// A page on another origin whose form posts to <paramref name="target"/>: empty, or <paramref name="json"/> as
    /// text/plain, the one JSON-looking body a form can forge.
    /// </summary>
    private async Task ServeAttackerPageAsync(IPage page, string target, string? json)
    {
        var field = json is null ? "" : $"<input type=\"hidden\" name='{json[..json.LastIndexOf('=')]}' value='{json[(json.LastIndexOf('=') + 1)..]}'>";
        var html = $"""
            <!doctype html><html lang="en"><title>Win a prize</title>
            <form method="post" enctype="{(json is null ? "application/x-www-form-urlencoded" : "text/plain")}" action="{browsers.Server.BaseUrl}{target}">
            {field}<button>Claim</button></form></html>
            """;
        await page.RouteAsync(Attacker, route => route.FulfillAsync(new() { ContentType = "text/html", Body = html }));
    }
}
