using System.Net;
using Latchkey.Core;
using Latchkey.Core.Credentials;
using Latchkey.Core.Stores;
using Latchkey.Storage.Postgres;
using Latchkey.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// The verified-credential cache: repeat requests are answered without the database, and every change that ends or
/// alters a credential holds on the very next request, whichever process made it.
/// </summary>
public sealed class CredentialCacheTests
{
    [Fact]
    public async Task ARoleChangeTakesEffectOnTheNextRequestOfAKeyAlreadyVerified()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync("owner@acme.test");
        var adminId = await host.CreateUserAsync(owner, "admin@acme.test", "admin");
        var admin = await host.LoginAsync("admin@acme.test", "admin-app");
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/users", credential: admin)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/users", credential: admin)).StatusCode);

        var demoted = await host.SendAsync(HttpMethod.Patch, $"/v1/users/{adminId}", new { roles = new[] { "member" } }, owner);

        Assert.Equal(HttpStatusCode.NoContent, demoted.StatusCode);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get, "/v1/users", credential: admin), HttpStatusCode.Forbidden);
        Assert.Equal(["member"], (await host.GetJsonAsync("/v1/me", admin)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task SessionsEndedByAnotherProcessAreRefusedOnceItsCallHasReturned()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync();
        var me = await host.GetJsonAsync("/v1/me", key);
        await WaitUntilAnsweredFromTheCacheAsync(host, key);

        // Note: the other process is the latchkey tool's composition (core and storage, no host): it caches nothing
        // and hears nothing, so its change waits until the server has had time to see it.
        await using (var tool = OtherProcess(host))
        {
            await using var scope = tool.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Enter(Guid.Parse(me.GetProperty("tenantId").GetString()!));
            var ended = await scope.ServiceProvider.GetRequiredService<ISessionStore>()
                .DeleteAllAsync(Guid.Parse(me.GetProperty("userId").GetString()!), CredentialEndReason.RevokedByAdmin, CancellationToken.None);
            Assert.Equal(1, ended);
        }

        await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key));
    }

    [Fact]
    public async Task AKeyRevokedOnOneHostIsRefusedOnTheNextRequestByAnotherHostThatHadItCached()
    {
        // Note: two hosts on one database, as a server and a resource API embedding Latchkey beside it.
        await using var server = await LatchkeyTestHost.StartAsync();
        await using var resourceApi = await LatchkeyTestHost.StartAsync(sameDatabaseAs: server);
        var key = await server.SignupAndLoginAsync();
        await WaitUntilAnsweredFromTheCacheAsync(resourceApi, key);

        var revoked = await server.SendAsync(HttpMethod.Delete, "/v1/sessions/current", credential: key);

        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        await ProblemAssert.IsUnauthorizedAsync(await resourceApi.SendAsync(HttpMethod.Get, "/v1/me", credential: key));
    }

    [Fact]
    public async Task ACachedSessionRecordsItsUseEveryResolutionWithoutBeingReadAgain()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync();
        await WaitUntilAnsweredFromTheCacheAsync(host, key);
        var reads = CredentialReads(host);

        for (var i = 0; i < 3; i++)
        {
            host.Time.Advance(TimeSpan.FromMinutes(2));
            await UseAndWaitUntilRecordedAsync(host, key);
        }

        Assert.Equal(reads, CredentialReads(host));
    }

    [Fact]
    public async Task ACachedSessionIsReadAgainOnlyOnceItCouldHaveGoneIdleByItsStoredLastUse()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Latchkey:Sessions:IdleTimeout"] = "01:00:00",
        });
        var key = await host.SignupAndLoginAsync();
        await WaitUntilAnsweredFromTheCacheAsync(host, key);
        var reads = CredentialReads(host);

        // Note: used every 20 minutes, so never idle; the entry still knows only the last use the database showed.
        for (var i = 0; i < 2; i++)
        {
            host.Time.Advance(TimeSpan.FromMinutes(20));
            await UseAndWaitUntilRecordedAsync(host, key);
        }

        Assert.Equal(reads, CredentialReads(host));
        host.Time.Advance(TimeSpan.FromMinutes(21));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
        Assert.Equal(reads + 1, CredentialReads(host));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
        Assert.Equal(reads + 1, CredentialReads(host));
    }

    [Fact]
    public async Task ASessionUsedOnlyOnAnotherInstanceStillWorksWhereItWasCachedAnIdleTimeoutAgo()
    {
        var settings = new Dictionary<string, string?> { ["Latchkey:Sessions:IdleTimeout"] = "01:00:00" };
        await using var server = await LatchkeyTestHost.StartAsync(settings);
        await using var resourceApi = await LatchkeyTestHost.StartAsync(settings, sameDatabaseAs: server);
        var key = await server.SignupAndLoginAsync();
        await WaitUntilAnsweredFromTheCacheAsync(resourceApi, key);

        // Note: only the server sees the session used for 65 minutes; the resource API's entry knows only the last use
        // it read, so it must ask the database rather than call the session idle.
        for (var i = 0; i < 3; i++)
        {
            AdvanceBoth(server, resourceApi, TimeSpan.FromMinutes(20));
            await UseAndWaitUntilRecordedAsync(server, key);
        }

        AdvanceBoth(server, resourceApi, TimeSpan.FromMinutes(5));
        var reads = CredentialReads(resourceApi);

        Assert.Equal(HttpStatusCode.OK, (await resourceApi.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
        Assert.Equal(reads + 1, CredentialReads(resourceApi));
    }

    private static async Task UseAndWaitUntilRecordedAsync(LatchkeyTestHost host, Credential key)
    {
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
        await host.WaitForLastUseAsync(key, host.Time.GetUtcNow());
    }

    private static void AdvanceBoth(LatchkeyTestHost one, LatchkeyTestHost other, TimeSpan by)
    {
        one.Time.Advance(by);
        other.Time.Advance(by);
    }

    [Fact]
    public async Task AnIdleInstanceStillAnswersFromItsCacheSeveralLeasesLater()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Latchkey:CredentialCache:Lease"] = "00:00:02",
        });
        var key = await host.SignupAndLoginAsync();
        await WaitUntilAnsweredFromTheCacheAsync(host, key);

        // Note: nothing happens meanwhile; the change feed alone must keep confirming that the cache is current. The
        // credential reads are counted, not every database command: the e-mail and last-use workers may run meanwhile.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var reads = CredentialReads(host);
        var response = await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(reads, CredentialReads(host));
    }

    [Fact]
    public async Task ACachedKeyIsNotAcceptedWhenTheLeaseRunsOutWhileItIsLookedUp()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Latchkey:CredentialCache:Lease"] = "00:00:02",
        });
        var key = await host.SignupAndLoginAsync();
        await WaitUntilAnsweredFromTheCacheAsync(host, key);
        var feed = host.App.Services.GetRequiredService<ICredentialChangeFeed>();
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            // Note: the feed stalls, as in a paused process, and the key is revoked by a change it never hears: once its
            // lease runs out, the revoking side no longer waits for it.
            await StallAsync(feed, resume.Task);
            await host.ExecuteSqlAsync("DELETE FROM api_user_key");
            host.App.Services.GetRequiredService<Latchkey.Core.Credentials.CredentialCache>().Interleave = step =>
            {
                if (step == CacheStep.Finding)
                {
                    Assert.True(SpinWait.SpinUntil(() => !feed.IsCurrent, TimeSpan.FromSeconds(30)));
                }
            };

            await ProblemAssert.IsUnauthorizedAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key));
        }
        finally
        {
            resume.TrySetResult();
        }
    }

    /// <summary>Holds <paramref name="feed"/> before its next round until <paramref name="resumed"/>; returns once it is held.</summary>
    private static Task StallAsync(ICredentialChangeFeed feed, Task resumed)
    {
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<Task> hold = () =>
        {
            stalled.TrySetResult();
            return resumed;
        };
        switch (feed)
        {
            case SqliteCredentialChangeFeed sqlite:
                sqlite.BetweenRounds = hold;
                break;
            case PostgresCredentialChangeFeed postgres:
                postgres.BetweenRounds = hold;
                break;
        }

        return stalled.Task;
    }

    private static long CredentialReads(LatchkeyTestHost host) => host.App.Services.GetRequiredService<ICredentialLookup>().Reads;

    /// <summary>Makes requests until one is answered without a credential read (the feed is current, the key cached).</summary>
    internal static async Task WaitUntilAnsweredFromTheCacheAsync(LatchkeyTestHost host, Credential key)
    {
        for (var i = 0; i < 200; i++)
        {
            var reads = CredentialReads(host);
            Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
            if (CredentialReads(host) == reads)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("the key was never answered from the cache");
    }

    private static ServiceProvider OtherProcess(LatchkeyTestHost host)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Latchkey:Passwords:Argon2Iterations"] = "1",
            ["Latchkey:Passwords:Argon2MemoryKiB"] = "8",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddLatchkeyCore(configuration);
        if (host.StorageProvider == "postgres")
        {
            services.AddLatchkeyPostgres(host.ConnectionString);
        }
        else
        {
            services.AddLatchkeySqlite(host.ConnectionString);
        }

        return services.BuildServiceProvider();
    }
}
