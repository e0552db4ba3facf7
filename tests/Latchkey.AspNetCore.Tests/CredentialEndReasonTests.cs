using System.Net;
using Latchkey.Core.Credentials;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// The 401's <c>reason</c>: each way a credential ends, caused through the API, then the next request with it shows
/// that reason; a credential that never worked, or is presented with another app id, shows none. On the run's provider
/// (<c>LATCHKEY_TEST_PROVIDER</c>).
/// </summary>
public sealed class CredentialEndReasonTests
{
    private const string NewPassword = "another long passphrase entirely";

    /// <summary>The table: each reason, and how to cause it; the credential returned is presented next.</summary>
    private static readonly (string Reason, Func<Case, Task<Credential>> Cause)[] Causes =
    [
        ("logged_out", async c =>
        {
            var key = await c.PersonAsync();
            Assert.Equal(HttpStatusCode.NoContent, (await c.Host.SendAsync(HttpMethod.Delete, "/v1/sessions/current", credential: key)).StatusCode);
            return key;
        }),
        ("revoked_by_admin", async c =>
        {
            var key = await c.PersonAsync();
            Assert.Equal(HttpStatusCode.NoContent, (await c.Host.SendAsync(HttpMethod.Delete, $"/v1/users/{c.PersonId}/sessions", credential: c.Owner)).StatusCode);
            return key;
        }),
        ("replaced", async c =>
        {
            var key = await c.PersonAsync();
            await c.Host.LoginAsync(c.Login, key.AppId!);
            return key;
        }),
        ("password_changed", async c =>
        {
            var key = await c.PersonAsync();
            var other = await c.Host.LoginAsync(c.Login, "another-app-instance");
            Assert.Equal(HttpStatusCode.NoContent, (await c.Host.SendAsync(HttpMethod.Put, "/v1/me/password",
                new { currentPassword = LatchkeyTestHost.Password, newPassword = NewPassword }, other)).StatusCode);
            return key;
        }),
        ("password_reset", async c =>
        {
            var key = await c.PersonAsync();
            await using var scope = c.Host.App.Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<TenantContext>().Enter(c.TenantId);
            var result = await scope.ServiceProvider.GetRequiredService<UserAdminService>().ResetPasswordAsync(
                AuthenticatedCaller.ForOperator(c.TenantId, "cli:test@host"), c.PersonId, NewPassword, CancellationToken.None);
            Assert.Equal(UserAdminOutcome.Done, result.Outcome);
            return key;
        }),
        ("user_disabled", async c =>
        {
            var key = await c.PersonAsync();
            Assert.Equal(HttpStatusCode.NoContent, (await c.Host.SendAsync(HttpMethod.Patch, $"/v1/users/{c.PersonId}", new { disabled = true }, c.Owner)).StatusCode);
            return key;
        }),
        ("user_deleted", async c =>
        {
            var key = await c.PersonAsync();
            Assert.Equal(HttpStatusCode.NoContent, (await c.Host.SendAsync(HttpMethod.Delete, $"/v1/users/{c.PersonId}", credential: c.Owner)).StatusCode);
            return key;
        }),
        ("session_evicted", async c =>
        {
            var key = await c.PersonAsync();
            for (var i = 0; i < MaxPerUser; i++)
            {
                // Note: a later instant for each, so that the first is the least recently used beyond doubt.
                c.Host.Time.Advance(TimeSpan.FromSeconds(1));
                await c.Host.LoginAsync(c.Login, $"later-app-instance-{i}");
            }

            return key;
        }),
        ("token_rotated", async c =>
        {
            var (id, token) = await c.Host.CreateMachineUserAsync(c.Owner, "ci-" + c.Login);
            Assert.Equal(HttpStatusCode.OK, (await c.Host.SendAsync(HttpMethod.Get, "/v1/me", credential: token)).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await c.Host.SendAsync(HttpMethod.Post, $"/v1/machine-users/{id}/token", credential: c.Owner)).StatusCode);
            return token;
        }),
        ("user_deleted", async c =>
        {
            var (id, token) = await c.Host.CreateMachineUserAsync(c.Owner, "deploy-" + c.Login);
            Assert.Equal(HttpStatusCode.NoContent, (await c.Host.SendAsync(HttpMethod.Delete, $"/v1/machine-users/{id}", credential: c.Owner)).StatusCode);
            return token;
        }),

        // Note: the last two move the clock; each is shown twice, before the sweeper deletes the row and after.
        ("idle", async c =>
        {
            var key = await c.PersonAsync();
            c.Host.Time.Advance(IdleTimeout);
            await ProblemAssert.HasReasonAsync(await c.Host.SendAsync(HttpMethod.Get, "/v1/me", credential: key), "idle");
            await c.SweepAsync();
            return key;
        }),
        ("expired", async c =>
        {
            var key = await c.PersonAsync();
            for (var i = 0; i < 2; i++)
            {
                c.Host.Time.Advance(IdleTimeout - TimeSpan.FromHours(1));
                Assert.Equal(HttpStatusCode.OK, (await c.Host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
                await c.Host.WaitForLastUseAsync(key, c.Host.Time.GetUtcNow());
            }

            c.Host.Time.Advance(TimeSpan.FromHours(2));
            await ProblemAssert.HasReasonAsync(await c.Host.SendAsync(HttpMethod.Get, "/v1/me", credential: key), "expired");
            await c.SweepAsync();
            return key;
        }),
    ];

    private const int MaxPerUser = 3;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromDays(1);

    [Fact]
    public async Task EachWayACredentialEndsIsTheReasonOnItsNextRequestAndOnlyForItsHolder()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Latchkey:Sessions:MaxPerUser"] = MaxPerUser.ToString(),
            ["Latchkey:Sessions:IdleTimeout"] = "1.00:00:00",
            ["Latchkey:Sessions:AbsoluteLifetime"] = "2.00:00:00",
            ["Latchkey:Sessions:LastUsedResolution"] = "00:00:01",
        });
        var (tenantId, _) = await host.SignupAsync("owner@example.com");
        var shown = new List<string>();
        for (var i = 0; i < Causes.Length; i++)
        {
            var (reason, cause) = Causes[i];
            var c = new Case(host, tenantId, $"person{i}@example.com", await host.LoginAsync("owner@example.com", "owner-app-instance"));
            var ended = await cause(c);

            var response = await host.SendAsync(HttpMethod.Get, "/v1/me", credential: ended);
            await Named(reason, ProblemAssert.HasReasonAsync(response, reason));

            // Note: the same ended key with another app id, or none, is what a guesser would send: no reason.
            if (ended.AppId is not null)
            {
                await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: ended.WithAppId("some-other-app")), null);
                await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: ended.WithAppId(null)), null);
            }

            shown.Add(reason);
        }

        Assert.Equal(Causes.Length, shown.Count);
    }

    [Fact]
    public async Task ACredentialThatNeverWorkedGetsNoReasonAndIsLookedUpOnce()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var key = await host.SignupAndLoginAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Delete, "/v1/sessions/current", credential: key)).StatusCode);
        var misses = host.App.Services.GetRequiredService<TombstoneMisses>();
        var (forged, _) = TokenFormat.Create(TokenKind.ApiKey, TokenFormat.NewPublicPart());

        // Note: a forged secret under the ended key's own public part: well-formed, checksum right, never valid.
        var (sameKeyId, _) = TokenFormat.Create(TokenKind.ApiKey, TokenFormat.TryParse(key.Token, out var parsed) ? parsed.PublicPart : "");
        foreach (var token in new[] { "lk_key_garbage", key.Token[..^1] + (key.Token[^1] == 'a' ? 'b' : 'a'), forged, sameKeyId })
        {
            var guess = new Credential(token, key.AppId, null);
            await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: guess), null);
            await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: guess), null);
        }

        // Note: the two well-formed guesses were each looked up once; the malformed ones never reached storage.
        Assert.Equal(2, misses.Count);
        await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key), "logged_out");
    }

    [Fact]
    public async Task TombstonesArePurgedAfterTheirLifetime()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Latchkey:Sessions:TombstoneLifetime"] = "1.00:00:00",
            ["Latchkey:Sessions:IdleTimeout"] = "30.00:00:00",
            ["Latchkey:Sessions:CleanupBatchSize"] = "1",
        });
        var ended = new List<Credential>();
        var owner = await host.SignupAndLoginAsync("owner@example.com", "owner-app-instance");
        for (var i = 0; i < 3; i++)
        {
            var key = await host.LoginAsync("owner@example.com", $"app-instance-{i}");
            Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Delete, "/v1/sessions/current", credential: key)).StatusCode);
            ended.Add(key);
        }

        await new Case(host, Guid.Empty, "", owner).SweepAsync();
        await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: ended[0]), "logged_out");

        host.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        await new Case(host, Guid.Empty, "", owner).SweepAsync();
        foreach (var key in ended)
        {
            await ProblemAssert.HasReasonAsync(await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key), null);
        }
    }

    /// <summary>Says which row of the table failed.</summary>
    private static async Task Named(string reason, Task check)
    {
        try
        {
            await check;
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"reason {reason}: {e.Message}");
        }
    }

    /// <summary>One row of the table: the host, the tenant's owner, and a person of its own to end credentials of.</summary>
    private sealed class Case(LatchkeyTestHost host, Guid tenantId, string login, Credential owner)
    {
        public LatchkeyTestHost Host => host;

        public Guid TenantId => tenantId;

        public string Login => login;

        public Credential Owner => owner;

        public Guid PersonId { get; private set; }

        /// <summary>Creates the case's person in the owner's tenant and logs it in once.</summary>
        public async Task<Credential> PersonAsync()
        {
            PersonId = await host.CreateUserAsync(owner, login);
            var key = await host.LoginAsync(login, "person-app-instance");
            Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
            return key;
        }

        public Task SweepAsync() => host.App.Services.GetRequiredService<ExpiryPurge>().PurgeAsync(CancellationToken.None);
    }
}
