using System.Net;
using Latchkey.AspNetCore.Endpoints;

namespace Latchkey.AspNetCore.Tests;

public sealed class DeviceNameTests
{
    [Theory]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0", "Firefox on Linux")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0", "Edge on Windows")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari on macOS")]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36", "Chrome on Android")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/142.0 Mobile/15E148 Safari/604.1", "Chrome on iOS")]
    [InlineData("curl/8.5.0", "curl")]
    [InlineData("SomethingUnknown/1.0", null)]
    [InlineData("", null)]
    public void AUserAgentBecomesTheNameAPersonRecognises(string userAgent, string? expected) =>
        Assert.Equal(expected, DeviceNames.FromUserAgent(userAgent));

    [Fact]
    public async Task ALoginWithoutAnAppNameIsListedUnderItsBrowserAndAddress()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var alice = await host.SignupAndLoginAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/login")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId = "firefox-tab-01" }),
        };
        request.Headers.Add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0");
        Assert.Equal(HttpStatusCode.Created, (await host.Client.SendAsync(request)).StatusCode);

        var sessions = (await host.GetJsonAsync("/v1/sessions", alice)).EnumerateArray().ToList();

        var firefox = Assert.Single(sessions, s => s.GetProperty("appId").GetString() == "firefox-tab-01");
        Assert.Equal("Firefox on Linux", firefox.GetProperty("appName").GetString());
        Assert.Equal(LatchkeyTestHost.ClientIp, firefox.GetProperty("createdIp").GetString());
        Assert.Equal("tests", sessions.Single(s => s.GetProperty("current").GetBoolean()).GetProperty("appName").GetString());
    }
}
