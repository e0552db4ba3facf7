using System.Net.Http.Json;
using Microsoft.Playwright;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

/// <summary>The lists show a page at a time and follow the server's cursor (Link rel=next) with "More".</summary>
[Collection(BrowserCollection.Name)]
public sealed class PagingTests(Browsers browsers)
{
    [Fact]
    public async Task TheMachineUsersListShowsFiftyThenTheRestWithMore()
    {
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        var login = await NewOwnerAsync(page, "paging");
        var (apiKey, appId) = await ApiLoginAsync(browsers.Server, login);
        using (var client = new HttpClient { BaseAddress = new Uri(browsers.Server.BaseUrl) })
        {
            client.DefaultRequestHeaders.Add("Authorization", $"Bearer {apiKey}");
            client.DefaultRequestHeaders.Add("X-App-Id", appId);
            for (var i = 0; i < 51; i++)
            {
                (await client.PostAsJsonAsync("/v1/machine-users", new { name = $"bot-{i:D2}" })).EnsureSuccessStatusCode();
            }
        }

        await page.GotoAsync("/machine-users");
        var rows = page.Locator("#machines tbody tr");
        var more = page.GetByRole(AriaRole.Button, new() { Name = "More machine users" });
        await Assertions.Expect(rows).ToHaveCountAsync(50);
        await Assertions.Expect(rows.First).ToContainTextAsync("bot-50");

        await more.ClickAsync();

        await Assertions.Expect(rows).ToHaveCountAsync(51);
        await Assertions.Expect(rows.Last).ToContainTextAsync("bot-00");
        await Assertions.Expect(more).ToBeHiddenAsync();
    }
}
