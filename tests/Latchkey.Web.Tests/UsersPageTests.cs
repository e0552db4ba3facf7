using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Latchkey.Web.Tests.People;

namespace Latchkey.Web.Tests;

/// <summary>The Users page's admin tools, and the lock state as both the person and their admin see it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class UsersPageTests(Browsers browsers)
{
    [Fact]
    public async Task TheSignInPageCountsTheDelayDownInOneMessageAndTheUsersPageShowsTheLockUntilAnAdminUnlocksIt()
    {
        await using var ownerDevice = await browsers.NewDeviceAsync();
        await using var memberDevice = await browsers.NewDeviceAsync();
        var page = await ownerDevice.NewPageAsync();
        var owner = await NewOwnerAsync(page, "locks");
        using var client = await AdminClientAsync(owner);
        var member = NewLogin("locked");
        (await client.PostAsJsonAsync("/v1/users", new { login = member, password = Password, roles = new[] { "member" }, mustChangePassword = false })).EnsureSuccessStatusCode();
        for (var i = 0; i < 4; i++)
        {
            var failed = await client.PostAsJsonAsync("/v1/login", new { login = member, password = "not the right passphrase", appId = "tests-cli-0002" });
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        // The fifth failure starts a delay of 1 s: the page counts it down with the button held back, then says the
        // same sentence without the countdown. Every text the message ever shows is recorded.
        var memberPage = await memberDevice.NewPageAsync();
        await memberPage.GotoAsync("/login");
        await memberPage.EvaluateAsync("""
            () => {
              const message = document.getElementById('login-message');
              window.shown = [];
              new MutationObserver(() => window.shown.push(message.textContent)).observe(message, { childList: true, characterData: true, subtree: true });
            }
            """);
        await memberPage.GetByLabel("Login (e-mail or name)").FillAsync(member);
        await memberPage.GetByLabel("Password").FillAsync("not the right passphrase");
        var signIn = memberPage.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true });
        await signIn.ClickAsync();
        await Assertions.Expect(memberPage.Locator("#login-message")).ToHaveTextAsync("The login or password is wrong.");
        await Assertions.Expect(signIn).ToBeEnabledAsync();
        var shown = await memberPage.EvaluateAsync<string[]>("() => window.shown");
        Assert.Contains("The login or password is wrong. Try again in 1 s.", shown);
        Assert.All(shown.Where(s => s.Length > 0), s => Assert.StartsWith("The login or password is wrong.", s));

        // The sixth failure locks the login: no countdown, the same sentence.
        await memberPage.GetByLabel("Password").FillAsync("still not the right passphrase");
        var locking = await memberPage.RunAndWaitForResponseAsync(() => signIn.ClickAsync(), r => r.Url.Contains("/v1/login", StringComparison.Ordinal));
        Assert.Equal(401, locking.Status);
        Assert.False(locking.Headers.ContainsKey("retry-after"));
        await Assertions.Expect(memberPage.Locator("#login-message")).ToHaveTextAsync("The login or password is wrong.");
        await Assertions.Expect(signIn).ToBeEnabledAsync();

        await page.GotoAsync("/users");
        var memberRow = page.Locator("#users tbody tr", new() { HasText = member });
        await Assertions.Expect(memberRow.Locator("td[data-label='Status']")).ToHaveTextAsync("Locked · 6 failed sign-ins");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Unlock {owner}" })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = $"Unlock {member}" }).ClickAsync();
        await Assertions.Expect(page.Locator("#users-message")).ToHaveTextAsync($"{member} is unlocked.");
        await Assertions.Expect(memberRow.Locator("td[data-label='Status']")).ToHaveTextAsync("Active");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Unlock {member}" })).ToHaveCountAsync(0);

        await SignInAsync(memberPage, member);
        await Assertions.Expect(memberPage).ToHaveURLAsync(browsers.Server.BaseUrl + "/devices");
    }

    [Fact]
    public async Task AnAdminPagesThroughPeopleSearchesByLoginAndSendsAPasswordResetMail()
    {
        await using var device = await browsers.NewDeviceAsync();
        var page = await device.NewPageAsync();
        var owner = await NewOwnerAsync(page, "people");
        using var client = await AdminClientAsync(owner);

        // A person with a verified address: invited, and accepted by mail.
        var invited = NewLogin("invited");
        (await client.PostAsJsonAsync("/v1/invitations", new { email = invited, role = "member" })).EnsureSuccessStatusCode();
        var link = await Mail.LinkAsync(browsers.Server, invited, "/accept-invitation");
        var token = link[(link.IndexOf("#token=", StringComparison.Ordinal) + "#token=".Length)..];
        (await client.PostAsJsonAsync("/v1/invitations/accept", new { token, password = Password })).EnsureSuccessStatusCode();
        foreach (var name in new[] { "pager-a", "pager-b" })
        {
            (await client.PostAsJsonAsync("/v1/users", new { login = NewLogin(name), password = Password, roles = new[] { "member" }, mustChangePassword = false })).EnsureSuccessStatusCode();
        }

        // Two at a time (the page's own ?limit=), following the server's cursor.
        await page.GotoAsync("/users?limit=2");
        var rows = page.Locator("#users tbody tr");
        var more = page.GetByRole(AriaRole.Button, new() { Name = "More people" });
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await more.ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(4);
        await Assertions.Expect(more).ToBeHiddenAsync();

        await page.GetByLabel("Search by login").FillAsync(invited.ToUpperInvariant()[..20]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync(invited);
        await page.GetByLabel("Search by login").FillAsync("nobody-matches-this");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText("No one matches.")).ToBeVisibleAsync();
        await page.GetByLabel("Search by login").FillAsync(invited);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);

        await page.GetByRole(AriaRole.Button, new() { Name = $"Send {invited} a password-reset e-mail" }).ClickAsync();
        await Assertions.Expect(page.Locator("#users-message")).ToHaveTextAsync($"A password-reset link is on its way to {invited}.");
        Assert.StartsWith(WebServer.PublicBaseUrl + "/reset-password#token=", await Mail.LinkAsync(browsers.Server, invited, "/reset-password"));
    }

    /// <summary>An HTTP client signed in over the API as <paramref name="login"/>.</summary>
    private async Task<HttpClient> AdminClientAsync(string login)
    {
        var (apiKey, appId) = await ApiLoginAsync(browsers.Server, login);
        var client = new HttpClient { BaseAddress = new Uri(browsers.Server.BaseUrl) };
        client.DefaultRequestHeaders.Add("Authorization", $"Bearer {apiKey}");
        client.DefaultRequestHeaders.Add("X-App-Id", appId);
        return client;
    }
}
