using System.Net.Http.Json;
using Microsoft.Playwright;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

/// <summary>
/// <c>/login?returnUrl=</c> must never send a person to another site after signing in: browsers strip TAB, CR and LF
/// from a URL and read <c>\</c> as <c>/</c>, so a check by string prefix lets <c>/\t/evil.example</c> through as
/// <c>//evil.example</c>.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ReturnUrlTests(Browsers browsers)
{
    [Theory]
    [InlineData("/%09/evil.example")]
    [InlineData("/%0a/evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("//evil.example")]
    [InlineData("https://evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task AReturnUrlToAnotherSiteEndsOnDevicesAfterSignIn(string returnUrl)
    {
        var login = NewLogin("redirect");
        using (var client = new HttpClient { BaseAddress = new Uri(browsers.Server.BaseUrl) })
        {
            (await client.PostAsJsonAsync("/v1/signup", new { tenant = "Acme", login, password = Password })).EnsureSuccessStatusCode();
        }

        await using var device = await browsers.NewDeviceAsync();
        // Note: nothing leaves the machine; a request to the attacker's host fails at once rather than on DNS.
        await device.RouteAsync(url => url.Contains("evil.example", StringComparison.Ordinal) && !url.StartsWith(browsers.Server.BaseUrl, StringComparison.Ordinal),
            route => route.AbortAsync());
        var page = await device.NewPageAsync();
        page.Dialog += (_, dialog) => dialog.DismissAsync();

        // Note: the query is given as an attacker would write it, not re-encoded: %09 must arrive as a TAB.
        await page.GotoAsync("/login?returnUrl=" + returnUrl);
        await SignInAsync(page, login);

        await Assertions.Expect(page).ToHaveURLAsync(browsers.Server.BaseUrl + "/devices");
    }

    [Fact]
    public async Task ALocalReturnUrlWithAQueryIsFollowedAfterSignIn()
    {
        var login = NewLogin("redirect-local");
        using (var client = new HttpClient { BaseAddress = new Uri(browsers.Server.BaseUrl) })
        {
            (await client.PostAsJsonAsync("/v1/signup", new { tenant = "Acme", login, password = Password })).EnsureSuccessStatusCode();
        }

        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();

        await page.GotoAsync("/login?returnUrl=" + Uri.EscapeDataString("/audit?event=signup"));
        await SignInAsync(page, login);

        await Assertions.Expect(page).ToHaveURLAsync(browsers.Server.BaseUrl + "/audit?event=signup");
    }
}
