using System.Net;
using System.Text;

namespace Latchkey.Server.Tests;

/// <summary>The host's deliberate Kestrel limits, over a real socket on 127.0.0.1.</summary>
public sealed class KestrelLimitsTests : IAsyncLifetime
{
    private readonly ServerFactory _factory = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory.UseKestrel(0);
        _factory.StartServer();
        _client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task ABodyOverSixtyFourKibibytesIsRefusedWithPayloadTooLarge()
    {
        var body = new StringContent("{\"login\":\"" + new string('a', 70 * 1024) + "\"}", Encoding.UTF8, "application/json");

        var response = await _client.PostAsync("/v1/login", body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TooManyHeadersAreRefusedAndTheServerKeepsAnswering()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        for (var i = 0; i < 60; i++)
        {
            request.Headers.Add($"X-Filler-{i}", "x");
        }

        var refused = await _client.SendAsync(request);
        var after = await _client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.False(refused.Headers.Contains("Server"));
    }
}
