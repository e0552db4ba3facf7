using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace Latchkey.Server.Tests;

/// <summary>
/// The Scalar page at <c>/reference</c> runs inline script, so the page's policy allows it on the API's origin: it is
/// served in Development, and in Production only when <c>Latchkey:ApiReference:Enabled</c> says so.
/// </summary>
public sealed class ApiReferenceTests : IAsyncLifetime
{
    private readonly ServerFactory _root = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _root.DisposeAsync();

    [Fact]
    public async Task TheApiReferenceIsNotServedInProductionByDefault()
    {
        using var production = _root.WithWebHostBuilder(b => b.UseEnvironment("Production"));
        var client = production.CreateClient();

        var page = await client.GetAsync("/reference");
        var document = await client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.DoesNotContain("unsafe-inline", page.Headers.TryGetValues("Content-Security-Policy", out var policy) ? string.Join(",", policy) : "");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
    }

    [Fact]
    public async Task TheApiReferenceIsServedInProductionWhenEnabled()
    {
        using var production = _root.WithWebHostBuilder(b => b.UseEnvironment("Production").UseSetting("Latchkey:ApiReference:Enabled", "true"));

        var page = await production.CreateClient().GetAsync("/reference");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("'unsafe-inline'", string.Join(",", page.Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task TheApiReferenceIsServedInDevelopmentUnlessTurnedOff()
    {
        using var development = _root.WithWebHostBuilder(b => b.UseEnvironment("Development"));
        using var off = _root.WithWebHostBuilder(b => b.UseEnvironment("Development").UseSetting("Latchkey:ApiReference:Enabled", "false"));

        var served = await development.CreateClient().GetAsync("/reference");
        var refused = await off.CreateClient().GetAsync("/reference");

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }
}
