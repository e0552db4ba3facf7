using System.Net;
using Latchkey.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.AspNetCore.Tests;

public sealed class ExpiryTests
{
    [Fact]
    public async Task ASessionIsRejectedOnTheFirstRequestAfterItsAbsoluteLifetime()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Latchkey:Sessions:AbsoluteLifetime"] = "02:00:00",
            ["Latchkey:Sessions:IdleTimeout"] = "01:00:00",
            ["Latchkey:Sessions:LastUsedResolution"] = "00:00:01",
        });
        var key = await host.SignupAndLoginAsync();

        // Keep it busy so only the absolute lifetime can end it.
        for (var i = 0; i < 4; i++)
        {
            host.Time.Advance(TimeSpan.FromMinutes(29));
            Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
            await host.WaitForLastUseAsync(key, host.Time.GetUtcNow());
        }

        host.Time.Advance(TimeSpan.FromMinutes(4) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
        host.Time.Advance(TimeSpan.FromSeconds(1));
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key));
    }

    [Fact]
    public async Task ASessionIsRejectedOnTheFirstRequestAfterItsIdleTimeout()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync();

        host.Time.Advance(TimeSpan.FromDays(7));

        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key));
    }

    [Fact]
    public async Task UseWithinTheIdleTimeoutKeepsASessionAlive()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync();

        host.Time.Advance(TimeSpan.FromDays(6));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
        await host.WaitForLastUseAsync(key, LatchkeyTestHost.Start.AddDays(6));
        host.Time.Advance(TimeSpan.FromDays(6));

        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
        host.Time.Advance(TimeSpan.FromDays(7));
        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key));
    }

    [Fact]
    public async Task ExpiredSessionsAreNotListedAndTheBackgroundSweeperDeletesThem()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?> { ["Latchkey:Sessions:CleanupBatchSize"] = "2" });
        await host.SignupAsync("alice@example.com");
        for (var i = 0; i < 5; i++)
        {
            await host.LoginAsync("alice@example.com", $"old-app-instance-{i}");
        }

        var fresh = await host.LoginAsync("alice@example.com", "new-app-instance");
        host.Time.Advance(TimeSpan.FromDays(6));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: fresh)).StatusCode);
        await host.WaitForLastUseAsync(fresh, LatchkeyTestHost.Start.AddDays(6));
        host.Time.Advance(TimeSpan.FromDays(2));
        var listed = await LatchkeyTestHost.ReadJsonAsync(await host.SendAsync(HttpMethod.Get, "/v1/sessions", credential: fresh));

        Assert.Equal(fresh.SessionId, Assert.Single(listed.EnumerateArray()).GetProperty("id").GetGuid());
        var remaining = -1;
        for (var i = 0; i < 1000 && remaining != 1; i++)
        {
            // Note: the sweeper sets its next wait on the fake clock after each sweep. One still sweeping day 6 when the
            // clock moved on to day 8 (seen under the whole suite's load on PostgreSQL) waits for the clock to move
            // again, so it moves by one cleanup interval (5 minutes) now and then, at most 30 times: the fresh session
            // idles out only at day 13.
            if (i % 10 == 9 && i < 300)
            {
                host.Time.Advance(TimeSpan.FromMinutes(5));
            }

            await Task.Delay(10);
            await using var scope = host.App.Services.CreateAsyncScope();
            remaining = await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().Sessions.IgnoreQueryFilters().CountAsync();
        }

        Assert.Equal(1, remaining);
    }
}
