using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Latchkey.Server.Tests;

public sealed class ServerTests : IClassFixture<ServerFactory>
{
    private readonly ServerFactory _factory;

    public ServerTests(ServerFactory factory) => _factory = factory;

    [Fact]
    public async Task TheServerCreatesItsDatabaseFileAndReportsHealthy()
    {
        var client = _factory.CreateClient();

        var health = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(File.Exists(_factory.DatabasePath));
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheContractAndItsSecuritySchemes()
    {
        var client = _factory.CreateClient();

        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;

        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/v1/signup", "/v1/login", "/v1/me", "/v1/sessions", "/v1/sessions/current",
                     "/v1/sessions/{id}", "/v1/me/password", "/v1/machine-users", "/v1/machine-users/{id}/token", "/v1/machine-users/{id}",
                     "/v1/users", "/v1/users/{id}", "/v1/users/{id}/sessions", "/v1/tenant", "/v1/audit" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("X-App-Id", schemes.GetProperty("appId").GetProperty("name").GetString());
        Assert.Equal("cookie", schemes.GetProperty("sessionCookie").GetProperty("in").GetString());
        Assert.True(paths.GetProperty("/v1/me").GetProperty("get").TryGetProperty("security", out _));
        Assert.False(paths.GetProperty("/v1/login").GetProperty("post").TryGetProperty("security", out _));
        Assert.True(paths.GetProperty("/v1/users/{id}").TryGetProperty("patch", out _));
        Assert.True(paths.GetProperty("/v1/tenant").TryGetProperty("patch", out _));
        Assert.True(paths.GetProperty("/v1/audit").GetProperty("get").TryGetProperty("security", out _));
    }

    [Fact]
    public async Task EveryOperationDeclaresItsProblemResponses()
    {
        var client = _factory.CreateClient();

        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;

        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var responses = operation.Value.GetProperty("responses");
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var expected = new List<string> { "400", "503" };
                if (operation.Value.TryGetProperty("security", out _))
                {
                    expected.AddRange(["401", "403"]);
                }

                if (path.Name.Contains("{id}"))
                {
                    expected.Add("404");
                }

                foreach (var status in expected)
                {
                    Assert.True(responses.TryGetProperty(status, out var response), $"{name} does not declare {status}");
                    Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{name} {status} is not problem+json");
                }
            }
        }

        var paths = document.GetProperty("paths");
        Assert.True(paths.GetProperty("/v1/login").GetProperty("post").GetProperty("responses").TryGetProperty("429", out _));
        Assert.True(paths.GetProperty("/v1/users").GetProperty("post").GetProperty("responses").TryGetProperty("409", out _));
        Assert.True(paths.GetProperty("/v1/signup").GetProperty("post").GetProperty("responses").TryGetProperty("409", out _));
        Assert.True(paths.GetProperty("/v1/users/{id}").GetProperty("delete").GetProperty("responses").TryGetProperty("409", out _));
    }

    [Fact]
    public async Task TheApiReferencePageIsServed()
    {
        var client = _factory.CreateClient();

        var page = await client.GetAsync("/reference");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TheReadmeWalkThroughWorksAgainstTheHost()
    {
        var client = _factory.CreateClient();
        var login = $"walk-{Guid.NewGuid():N}@example.com";

        var signup = await client.PostAsJsonAsync("/v1/signup", new { tenant = "Acme", login, password = "correct horse battery staple" });
        var session = await client.PostAsJsonAsync("/v1/login", new { login, password = "correct horse battery staple", appId = "cli-12345678", appName = "curl" });
        var apiKey = (await session.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString();
        var me = new HttpRequestMessage(HttpMethod.Get, "/v1/me");
        me.Headers.Add("Authorization", $"Bearer {apiKey}");
        me.Headers.Add("X-App-Id", "cli-12345678");
        var revoke = new HttpRequestMessage(HttpMethod.Delete, "/v1/sessions/current");
        revoke.Headers.Add("Authorization", $"Bearer {apiKey}");
        revoke.Headers.Add("X-App-Id", "cli-12345678");
        var after = new HttpRequestMessage(HttpMethod.Get, "/v1/me");
        after.Headers.Add("Authorization", $"Bearer {apiKey}");
        after.Headers.Add("X-App-Id", "cli-12345678");

        Assert.Equal(HttpStatusCode.Created, signup.StatusCode);
        Assert.Equal(HttpStatusCode.Created, session.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(me)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(revoke)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(after)).StatusCode);
    }
}
