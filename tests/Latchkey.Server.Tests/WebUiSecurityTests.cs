using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>The security rules of the web UI's pages and of the login they use, over the real host.</summary>
public sealed class WebUiSecurityTests : IClassFixture<ServerFactory>
{
    private const string Password = "correct horse battery staple";
    private readonly ServerFactory _factory;

    public WebUiSecurityTests(ServerFactory factory) => _factory = factory;

    [Fact]
    public async Task PagesCarryAStrictContentSecurityPolicy()
    {
        var client = _factory.CreateClient();

        foreach (var path in new[] { "/login", "/signup", "/css/latchkey.css", "/js/app.js", "/latchkey.js", "/example/" })
        {
            var response = await client.GetAsync(path);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", policy);
            Assert.Contains("script-src 'self';", policy);
            Assert.Contains("style-src 'self';", policy);
            Assert.Contains("frame-ancestors 'none'", policy);
            Assert.DoesNotContain("unsafe-inline", policy);
            Assert.DoesNotContain("http", policy);
        }
    }

    [Theory]
    [InlineData("/login?returnUrl=%2F%09%2Fevil.example&ended=1", "/login?ended=1")]
    [InlineData("/login?returnUrl=%2F%0a%2Fevil.example", "/login")]
    [InlineData("/login?returnUrl=%2F%5Cevil.example", "/login")]
    [InlineData("/login?returnUrl=%2F%2Fevil.example", "/login")]
    [InlineData("/login?returnUrl=https%3A%2F%2Fevil.example", "/login")]
    [InlineData("/login?returnUrl=javascript%3Aalert(1)", "/login")]
    [InlineData("/login?returnUrl=%2Fdevices&returnUrl=%2F%2Fevil.example", "/login")]
    public async Task TheLoginPageDropsAReturnUrlThatIsNotALocalPath(string path, string location)
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(location, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task TheLoginPageKeepsALocalReturnUrl()
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync("/login?returnUrl=%2Fusers%3Ftab%3D1&ended=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PagesHaveNoInlineScriptOrStyle()
    {
        var client = _factory.CreateClient();

        var contentRoot = _factory.Services.GetRequiredService<IWebHostEnvironment>().ContentRootPath;
        var fragments = Directory.GetFiles(Path.Combine(contentRoot, "Pages"), "*.html").Select(path => File.ReadAllTextAsync(path));
        var served = new[] { "/login", "/signup", "/forbidden", "/example/" }.Select(path => client.GetStringAsync(path));
        foreach (var html in await Task.WhenAll(fragments.Concat(served)))
        {

            Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)", html);
            Assert.DoesNotContain("<style", html);
            Assert.DoesNotContain(" style=", html);
            Assert.DoesNotMatch(" on[a-z]+=", html);
        }
    }

    [Fact]
    public async Task CookieLoginSetsHardenedCookiesAndReturnsNoKeyToScript()
    {
        await using var root = new ServerFactory();
        using var factory = root.WithWebHostBuilder(b => b.UseEnvironment("Production"));
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), HandleCookies = false });
        var login = await SignupAsync(client, "cookies");

        var response = await client.PostAsJsonAsync("/v1/login?useCookies=true", new { login, password = Password, appId = "web-browser-01" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("apiKey", body);
        Assert.DoesNotContain("lk_key_", body);
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        var session = Assert.Single(cookies, c => c.StartsWith("__Host-latchkey=", StringComparison.Ordinal));
        Assert.StartsWith("__Host-latchkey=lk_key_", session);
        var attributes = session.Split("; ").Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("secure", attributes);
        Assert.Contains("samesite=lax", attributes);
        Assert.Contains("path=/", attributes);
        Assert.DoesNotContain(attributes, a => a.StartsWith("domain", StringComparison.Ordinal));
        Assert.Contains(cookies, c => c.StartsWith("__Host-latchkey-app=web-browser-01;", StringComparison.Ordinal));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task ScriptLoginWithoutCookiesSetsNone()
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        var login = await SignupAsync(client, "nocookie");

        var response = await client.PostAsJsonAsync("/v1/login?useCookies=false", new { login, password = Password, appId = "spa-instance-1" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.StartsWith("lk_key_", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString());
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Origin", "https://evil.example")]
    public async Task LoginFromAnotherOriginIsRefusedAndSetsNoCookie(string header, string value)
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        var login = await SignupAsync(client, "csrf");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/login?useCookies=true")
        {
            Content = JsonContent.Create(new { login, password = Password, appId = "planted-app-1" }),
        };
        request.Headers.Add(header, value);

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Cross-site request refused", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task SignupFromAnotherSiteIsRefusedAndFromThisSiteAccepted()
    {
        var client = _factory.CreateClient();
        var crossSite = new HttpRequestMessage(HttpMethod.Post, "/v1/signup")
        {
            Content = JsonContent.Create(new { tenant = "Evil", login = NewLogin("evil"), password = Password }),
        };
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        var sameOrigin = new HttpRequestMessage(HttpMethod.Post, "/v1/signup")
        {
            Content = JsonContent.Create(new { tenant = "Acme", login = NewLogin("good"), password = Password }),
        };
        sameOrigin.Headers.Add("Sec-Fetch-Site", "same-origin");

        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(crossSite)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(sameOrigin)).StatusCode);
    }

    [Fact]
    public async Task EveryLoginIssuesANewKeyAndTheOldOneStopsWorking()
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        var login = await SignupAsync(client, "fixation");

        var first = await CookieLoginAsync(client, login);
        var second = await CookieLoginAsync(client, login);

        Assert.NotEqual(first, second);
        Assert.Equal(HttpStatusCode.Unauthorized, (await MeWithCookieAsync(client, first)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await MeWithCookieAsync(client, second)).StatusCode);
    }

    [Fact]
    public async Task APlantedCookieIsIgnoredAndLoginReplacesIt()
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        var login = await SignupAsync(client, "planted");
        const string planted = "latchkey=lk_key_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; latchkey-app=web-browser-01";

        var api = await SendAsync(client, HttpMethod.Get, "/v1/me", planted);
        var page = await SendAsync(client, HttpMethod.Get, "/devices", planted, navigate: true);
        var loginRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/login?useCookies=true")
        {
            Content = JsonContent.Create(new { login, password = Password, appId = "web-browser-01" }),
        };
        loginRequest.Headers.Add("Cookie", planted);
        var loggedIn = await client.SendAsync(loginRequest);

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login?returnUrl=%2Fdevices", page.Headers.Location?.OriginalString);
        Assert.Contains(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("latchkey=;", StringComparison.Ordinal));
        var issued = SessionCookie(loggedIn);
        Assert.NotEqual("lk_key_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", issued);
    }

    [Fact]
    public async Task APageNavigationWithoutASessionIsSentToLoginWhileAnApiCallGets401ProblemJson()
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var navigation = await SendAsync(client, HttpMethod.Get, "/users?tab=1", null, navigate: true);
        var htmlWithoutFetchMetadata = new HttpRequestMessage(HttpMethod.Get, "/audit");
        htmlWithoutFetchMetadata.Headers.Add("Accept", "text/html,application/xhtml+xml");
        var oldBrowser = await client.SendAsync(htmlWithoutFetchMetadata);
        var apiCall = await client.GetAsync("/v1/users");
        var pageFetchedByScript = await client.GetAsync("/users");

        Assert.Equal(HttpStatusCode.Redirect, navigation.StatusCode);
        Assert.Equal("/login?returnUrl=%2Fusers%3Ftab%3D1", navigation.Headers.Location?.OriginalString);
        Assert.Equal("/login?returnUrl=%2Faudit", oldBrowser.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, apiCall.StatusCode);
        Assert.Equal("application/problem+json", apiCall.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", apiCall.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, pageFetchedByScript.StatusCode);
    }

    [Fact]
    public async Task TheEntryPointLeadsToLoginWithoutASessionAndToDevicesWithOne()
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        var login = await SignupAsync(client, "entry");
        var key = await CookieLoginAsync(client, login);

        var anonymous = await client.GetAsync("/");
        var signedIn = await SendAsync(client, HttpMethod.Get, "/", $"latchkey={key}; latchkey-app=web-browser-01", navigate: true);

        Assert.Equal("/login", anonymous.Headers.Location?.OriginalString);
        Assert.Equal("/devices", signedIn.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task AMemberOpeningAnAdminPageIsShownTheNotAllowedPage()
    {
        var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        var owner = await SignupAsync(client, "owner");
        var ownerKey = await CookieLoginAsync(client, owner);
        var member = NewLogin("member");
        var create = new HttpRequestMessage(HttpMethod.Post, "/v1/users")
        {
            Content = JsonContent.Create(new { login = member, password = Password, roles = new[] { "member" }, mustChangePassword = false }),
        };
        create.Headers.Add("Cookie", $"latchkey={ownerKey}; latchkey-app=web-browser-01");
        create.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(create)).StatusCode);
        var memberKey = await CookieLoginAsync(client, member);

        var page = await SendAsync(client, HttpMethod.Get, "/users", $"latchkey={memberKey}; latchkey-app=web-browser-01", navigate: true);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/forbidden", page.Headers.Location?.OriginalString);
    }

    private static string NewLogin(string name) => $"{name}-{Guid.NewGuid():N}@example.com";

    private static async Task<string> SignupAsync(HttpClient client, string name)
    {
        var login = NewLogin(name);
        var response = await client.PostAsJsonAsync("/v1/signup", new { tenant = "Acme", login, password = Password });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return login;
    }

    /// <summary>Logs in as the web UI does and returns the key from the session cookie (Development: no prefix).</summary>
    private static async Task<string> CookieLoginAsync(HttpClient client, string login)
    {
        var response = await client.PostAsJsonAsync("/v1/login?useCookies=true", new { login, password = Password, appId = "web-browser-01" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return SessionCookie(response);
    }

    private static string SessionCookie(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("latchkey=", StringComparison.Ordinal)).Split(';')[0]["latchkey=".Length..];

    private static Task<HttpResponseMessage> MeWithCookieAsync(HttpClient client, string key) =>
        SendAsync(client, HttpMethod.Get, "/v1/me", $"latchkey={key}; latchkey-app=web-browser-01");

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? cookie, bool navigate = false)
    {
        var request = new HttpRequestMessage(method, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        if (navigate)
        {
            request.Headers.Add("Sec-Fetch-Mode", "navigate");
            request.Headers.Add("Sec-Fetch-Site", "none");
            request.Headers.Add("Accept", "text/html");
        }

        return client.SendAsync(request);
    }
}
