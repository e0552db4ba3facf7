using System.Net.Http.Json;
using Microsoft.Playwright;

namespace Latchkey.Web.Tests;

/// <summary>What a person does through the pages, step by step, as the tests' shared vocabulary.</summary>
internal static class People
{
    public const string Password = "correct horse battery staple";

    public static string NewLogin(string name) => $"{name}-{Guid.NewGuid():N}@example.com";

    /// <summary>Signs up through the page, which signs the new owner in: ends on "Your devices".</summary>
    public static async Task SignUpAsync(IPage page, string login, string tenant = "Acme", string password = Password)
    {
        await page.GotoAsync("/signup");
        await page.GetByLabel("Organisation name").FillAsync(tenant);
        await page.GetByLabel("Login (e-mail or name)").FillAsync(login);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByLabel("Repeat the password").FillAsync(password);
        // Note: the sign-up's own answer is awaited and checked first, so that a refused sign-up fails here with the
        // server's status and problem, not as a wait for a page that never comes. Its body is read only when refused:
        // after a 201 the page goes on (signs in, navigates) and the body may be gone with the document; reading it
        // then raced that navigation.
        var answer = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync(),
            response => response.Request.Method == "POST" && response.Url.EndsWith("/v1/signup", StringComparison.Ordinal));
        if (answer.Status != 201)
        {
            Assert.Fail($"POST /v1/signup answered {answer.Status}: {await answer.TextAsync()}");
        }

        await ArriveAtAsync(page, "/devices$");
    }

    /// <summary>
    /// An account made over the API, as a script would: for tests about what comes after, with no browser session yet.
    /// </summary>
    public static async Task CreateAccountAsync(WebServer server, string login, string tenant = "Acme")
    {
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var response = await client.PostAsJsonAsync("/v1/signup", new { tenant, login, password = Password });
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"POST /v1/signup answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public static async Task SignInAsync(IPage page, string login, string password = Password)
    {
        if (!page.Url.Contains("/login", StringComparison.Ordinal))
        {
            await page.GotoAsync("/login");
        }

        await page.GetByLabel("Login (e-mail or name)").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
    }

    /// <summary>Waits until the page's address matches <paramref name="pattern"/> (a regular expression).</summary>
    /// <remarks>
    /// Note: never <c>IPage.WaitForURLAsync</c>: Playwright for .NET checks the address, then subscribes to the next
    /// navigation, and a navigation that lands between the two is lost, so the wait runs out its 30 s
    /// (microsoft/playwright-dotnet#3364, open). That was this suite's intermittent sign-up timeout: the sign-up helper
    /// waited so for the page its form navigated to, and it failed only under load, when the test's thread could be
    /// held up between the check and the subscription. The assertion polls the address in the driver instead.
    /// </remarks>
    public static Task ArriveAtAsync(IPage page, string pattern) =>
        Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(pattern));

    /// <summary>A new organisation whose owner is signed in on <paramref name="page"/>.</summary>
    public static async Task<string> NewOwnerAsync(IPage page, string name = "owner")
    {
        var login = NewLogin(name);
        await SignUpAsync(page, login);
        return login;
    }

    /// <summary>The open confirmation dialog (confirm.js).</summary>
    public static ILocator ConfirmDialog(IPage page) => page.GetByRole(AriaRole.Alertdialog);

    /// <summary>Answers the open confirmation dialog: its action button, or Cancel.</summary>
    public static async Task AnswerAsync(IPage page, string? action)
    {
        var dialog = ConfirmDialog(page);
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = action ?? "Cancel", Exact = true }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
    }

    /// <summary>The rows of the devices table.</summary>
    public static ILocator DeviceRows(IPage page) => page.Locator("#devices tbody tr");

    /// <summary>A login over the API, as a script or CLI would: returns the key and its app id.</summary>
    public static async Task<(string ApiKey, string AppId)> ApiLoginAsync(
        WebServer server, string login, string appId = "tests-cli-0001", string appName = "tests")
    {
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var response = await client.PostAsJsonAsync("/v1/login?useCookies=false", new { login, password = Password, appId, appName });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return (body.GetProperty("apiKey").GetString()!, appId);
    }
}
