using System.Net;
using System.Text;

namespace Latchkey.AspNetCore.Tests;

public sealed class BadInputTests
{
    public static TheoryData<string, string, string> MalformedBodies => new()
    {
        { "/v1/signup", "application/json", "{bad" },
        { "/v1/signup", "application/json", "" },
        { "/v1/signup", "application/json", "[]" },
        { "/v1/signup", "application/json", "{\"tenant\": 5, \"login\": true, \"password\": {}}" },
        { "/v1/login", "application/json", "{\"login\": \"a\", \"password\": \"b\", \"appId\": 12345678}" },
        { "/v1/login", "application/json", "null" },
        { "/v1/login", "application/json", "{\"login\": \"\\ud800\", \"password\": \"\\udfff\", \"appId\": \"app-instance-1\"}" },
        { "/v1/login", "text/plain", "login=alice" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task AMalformedBodyGetsAClientErrorAsProblemJsonAndChangesNothing(string path, string contentType, string body)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync();

        var response = await host.SendAsync(HttpMethod.Post, path, new StringContent(body, Encoding.UTF8, contentType));

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task APasswordOverTheByteCapIsRefusedBeforeHashing()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await host.SignupAsync("alice@example.com");

        var response = await host.SendAsync(HttpMethod.Post, "/v1/login",
            new { login = "alice@example.com", password = new string('x', 1025), appId = "app-instance-1" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AnUnknownPathAnswersNotFoundAsProblemJson()
    {
        await using var host = await LatchkeyTestHost.StartAsync();

        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get, "/v1/nothing-here"), HttpStatusCode.NotFound);
    }
}
