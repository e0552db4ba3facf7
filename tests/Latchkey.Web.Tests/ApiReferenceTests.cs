using Microsoft.Playwright;

namespace Latchkey.Web.Tests;

/// <summary>The API reference at <c>/reference</c> (on in Development, as this server runs).</summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiReferenceTests(Browsers browsers)
{
    [Fact]
    public async Task TheApiReferenceLoadsFromThisOriginAloneWithoutHostedCloudButtons()
    {
        await using var device = await browsers.NewDeviceAsync(width: 1280);
        var page = await device.NewPageAsync();
        var elsewhere = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(browsers.Server.BaseUrl, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal)
                && !request.Url.StartsWith("blob:", StringComparison.Ordinal))
            {
                lock (elsewhere) elsewhere.Add(request.Url);
            }
        };

        await page.GotoAsync("/reference");
        await Assertions.Expect(page.GetByText("Create a tenant and its owner").First).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        lock (elsewhere) Assert.True(elsewhere.Count == 0, "requests to other origins: " + string.Join(", ", elsewhere));
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { NameRegex = new("Open API Client|Ask AI|Deploy", System.Text.RegularExpressions.RegexOptions.IgnoreCase) }))
            .ToHaveCountAsync(0);
    }
}
