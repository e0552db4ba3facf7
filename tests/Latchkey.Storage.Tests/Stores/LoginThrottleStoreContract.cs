using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Storage.Tests.Stores;

/// <summary>The failure counters' compare-and-set behaviour, which the lockout's guarantees rest on.</summary>
public abstract class LoginThrottleStoreContract : StoreContract
{
    private const string Digest = "3q2+7w==login-digest-of-some-login-12345678";

    private Task<LoginThrottleState?> StateAsync() => Throttles(t => t.FindAsync(Digest, CancellationToken.None));

    private Task<bool> CountAsync(int seen, Guid attempt) =>
        Throttles(t => t.TryCountAttemptAsync(Digest, seen, Now.AddSeconds(seen), attempt, CancellationToken.None));

    [Fact]
    public async Task CountingFromAStaleSeenValueIsRefusedSoOnlyOneOfTwoRacingAttemptsCounts()
    {
        var first = await CountAsync(0, Guid.NewGuid());
        var racingFirst = await CountAsync(0, Guid.NewGuid());
        var second = await CountAsync(1, Guid.NewGuid());
        var racingSecond = await CountAsync(1, Guid.NewGuid());

        Assert.Equal([true, false, true, false], new[] { first, racingFirst, second, racingSecond });
        Assert.Equal(2, (await StateAsync())!.Failures);
    }

    [Fact]
    public async Task UncountTakesBackTheAttemptsOwnCountAndRestoresTheDelay()
    {
        await CountAsync(0, Guid.NewGuid());
        var before = await StateAsync();
        var attempt = Guid.NewGuid();
        await CountAsync(1, attempt);

        var undone = await Throttles(t => t.TryUncountAttemptAsync(Digest, attempt, 1, before!.NextAttemptAt, CancellationToken.None));

        Assert.True(undone);
        var after = await StateAsync();
        Assert.Equal(1, after!.Failures);
        Assert.Equal(before!.NextAttemptAt, after.NextAttemptAt);
    }

    [Fact]
    public async Task UncountNeverErasesAFailureThatAnotherAttemptCountedSince()
    {
        var mine = Guid.NewGuid();
        await CountAsync(0, mine);
        await Throttles(t => t.ResetAsync(Digest, null, CancellationToken.None));
        await CountAsync(0, Guid.NewGuid());

        var undone = await Throttles(t => t.TryUncountAttemptAsync(Digest, mine, 0, null, CancellationToken.None));

        Assert.False(undone);
        Assert.Equal(1, (await StateAsync())!.Failures);
    }

    [Fact]
    public async Task ASuccessResetsOnlyIfNoOtherAttemptWasCountedSinceButAnUnlockAlwaysDoes()
    {
        var succeeded = Guid.NewGuid();
        await CountAsync(0, succeeded);
        await CountAsync(1, Guid.NewGuid());

        await Throttles(t => t.ResetAsync(Digest, succeeded, CancellationToken.None));
        var afterSuccess = await StateAsync();
        await Throttles(t => t.ResetAsync(Digest, null, CancellationToken.None));

        Assert.Equal(2, afterSuccess!.Failures);
        Assert.Null(await StateAsync());
    }

    [Fact]
    public async Task DeleteStaleRemovesOnlyQuietShortRuns()
    {
        await Throttles(t => t.TryCountAttemptAsync("short", 0, Now.AddDays(-2), Guid.NewGuid(), CancellationToken.None));
        await Throttles(t => t.TryCountAttemptAsync("recent", 0, Now, Guid.NewGuid(), CancellationToken.None));
        await Throttles(t => t.TryCountAttemptAsync("long", 0, Now.AddDays(-2), Guid.NewGuid(), CancellationToken.None));
        for (var seen = 1; seen < 5; seen++)
        {
            var at = seen;
            await Throttles(t => t.TryCountAttemptAsync("long", at, Now.AddDays(-2), Guid.NewGuid(), CancellationToken.None));
        }

        var deleted = await Throttles(t => t.DeleteStaleAsync(Now.AddDays(-1), 5, 100, CancellationToken.None));

        Assert.Equal(1, deleted);
        Assert.Null(await Throttles(t => t.FindAsync("short", CancellationToken.None)));
        Assert.NotNull(await Throttles(t => t.FindAsync("recent", CancellationToken.None)));
        Assert.Equal(5, (await Throttles(t => t.FindAsync("long", CancellationToken.None)))!.Failures);
    }

    [Fact]
    public async Task APooledContextComesBackWithoutThePreviousScopesTenant()
    {
        var (tenant, owner) = await CreateTenantAsync("owner@acme.test");
        Type providerContext;
        await using (var scope = CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Enter(tenant.Id);
            providerContext = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().GetType();
            Assert.NotNull(await scope.ServiceProvider.GetRequiredService<IUserStore>().FindAsync(tenant.Id, owner.Id, CancellationToken.None));
        }

        // Note: the provider's own context type is registered too (by the pool); whoever rents the context that the
        // last scope returned must not inherit that scope's tenant.
        await using (var scope = CreateScope())
        {
            var rented = (LatchkeyDbContext)scope.ServiceProvider.GetRequiredService(providerContext);

            Assert.Null(rented.Tenant?.TenantId);
            Assert.Empty(rented.Users.ToList());
        }
    }
}
