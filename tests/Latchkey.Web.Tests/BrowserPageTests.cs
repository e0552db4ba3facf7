using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

/// <summary>No raw JSON in a browser: unknown addresses, forms sent without script, and the "not allowed" page.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserPageTests(Browsers browsers)
{
    [Fact]
    public async Task AnUnknownAddressShowsANotFoundPageInTheLayoutWhileTheApiKeepsProblemJson()
    {
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();

        var response = await page.GotoAsync("/no-such-page");

        Assert.Equal(404, response!.Status);
        Assert.StartsWith("text/html", response.Headers["content-type"], StringComparison.Ordinal);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Latchkey" })).ToBeVisibleAsync();
        using var client = new HttpClient { BaseAddress = new Uri(browsers.Server.BaseUrl) };
        var api = await client.GetAsync("/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AFormSentWithoutScriptGetsAPageNotJsonAndTheExampleNeverPutsThePasswordInTheAddress()
    {
        await using var device = await browsers.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = browsers.Server.BaseUrl, JavaScriptEnabled = false,
        });
        var page = await device.NewPageAsync();
        var login = NewLogin("noscript");
        await page.GotoAsync("/signup");
        await page.GetByLabel("Organisation name").FillAsync("Acme");
        await page.GetByLabel("Login (e-mail or name)").FillAsync(login);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByLabel("Repeat the password").FillAsync(Password);

        var posted = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync(), r => r.Request.Method == "POST");

        Assert.Equal(400, posted.Status);
        Assert.StartsWith("text/html", posted.Headers["content-type"], StringComparison.Ordinal);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This page needs JavaScript" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "open the page again" })).ToHaveAttributeAsync("href", "/signup");

        await page.GotoAsync("/example/");
        await page.GetByLabel("Login").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(Password);
        var example = await page.RunAndWaitForRequestAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync(), r => r.Url.Contains("/example/", StringComparison.Ordinal));
        Assert.Equal("POST", example.Method);
        Assert.DoesNotContain("password", example.Url, StringComparison.OrdinalIgnoreCase);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This page needs JavaScript" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TheNotAllowedPageKeepsTheMenuAndASignOut()
    {
        var member = NewLogin("member");
        var owner = NewLogin("owner");
        await CreateAccountAsync(browsers.Server, owner);
        var (key, appId) = await ApiLoginAsync(browsers.Server, owner);
        using (var client = new HttpClient { BaseAddress = new Uri(browsers.Server.BaseUrl) })
        {
            using var add = new HttpRequestMessage(HttpMethod.Post, "/v1/users")
            {
                Content = JsonContent.Create(new { login = member, password = Password, roles = new[] { "member" }, mustChangePassword = false }),
            };
            add.Headers.Add("Authorization", $"Bearer {key}");
            add.Headers.Add("X-App-Id", appId);
            Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(add)).StatusCode);
        }

        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        await SignInAsync(page, member);
        await page.GotoAsync("/audit");

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/forbidden"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#who-login")).ToHaveTextAsync(member);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Your devices" }).WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login$"));
    }
}
