using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Storage.Tests.Stores;

/// <summary>The failure counters' compare-and-set behaviour, which the lockout's guarantees rest on.</summary>
public abstract class LoginThrottleStoreContract : StoreContract
{
    private const string Digest = "3q2+7w==login-digest-of-some-login-12345678";

    private Task<LoginThrottleState?> StateAsync(string digest = Digest) => Throttles(t => t.FindAsync(digest, CancellationToken.None));

    /// <summary>Begins an attempt from what the counter holds now, as the service does.</summary>
    private async Task<bool> BeginAsync(string digest = Digest, DateTimeOffset? nextAttemptAt = null, DateTimeOffset? at = null)
    {
        var seen = await StateAsync(digest);
        return await BeginFromAsync(seen, digest, nextAttemptAt, at);
    }

    private Task<bool> BeginFromAsync(LoginThrottleState? seen, string digest = Digest, DateTimeOffset? nextAttemptAt = null, DateTimeOffset? at = null) =>
        Throttles(t => t.TryBeginAttemptAsync(digest, seen, (seen?.Pending ?? 0) + 1, nextAttemptAt ?? Now, at ?? Now, CancellationToken.None));

    [Fact]
    public async Task BeginningFromAStaleSeenValueIsRefusedSoOnlyOneOfTwoRacingAttemptsCounts()
    {
        var first = await BeginFromAsync(null);
        var racingFirst = await BeginFromAsync(null);
        var seen = await StateAsync();
        var second = await BeginFromAsync(seen);
        var racingSecond = await BeginFromAsync(seen);

        Assert.Equal([true, false, true, false], new[] { first, racingFirst, second, racingSecond });
        var state = await StateAsync();
        Assert.Equal((2, 2), (state!.Failures, state.Pending));
    }

    [Fact]
    public async Task AFailedAttemptStaysCountedAndIsNoLongerPending()
    {
        await BeginAsync();
        await BeginAsync();

        await Throttles(t => t.EndFailedAsync(Digest, 100, CancellationToken.None));

        var state = await StateAsync();
        Assert.Equal((2, 1), (state!.Failures, state.Pending));
    }

    [Fact]
    public async Task ASuccessEndsTheRunButKeepsCountingTheAttemptsStillInFlight()
    {
        await BeginAsync();
        await Throttles(t => t.EndFailedAsync(Digest, 100, CancellationToken.None));
        await BeginAsync(nextAttemptAt: Now.AddMinutes(1));
        await BeginAsync(nextAttemptAt: Now.AddMinutes(1));
        await BeginAsync(nextAttemptAt: Now.AddMinutes(1));

        await Throttles(t => t.EndSucceededAsync(Digest, Now, CancellationToken.None));

        var state = await StateAsync();
        Assert.Equal((2, 2, Now), (state!.Failures, state.Pending, state.NextAttemptAt));
    }

    [Fact]
    public async Task AnUnverifiedAttemptIsTakenBackAndTheDelayItCausedLifted()
    {
        await BeginAsync();
        await Throttles(t => t.EndFailedAsync(Digest, 100, CancellationToken.None));
        await BeginAsync(nextAttemptAt: Now.AddMinutes(1));

        await Throttles(t => t.EndUnverifiedAsync(Digest, freeAttempts: 2, Now, CancellationToken.None));

        var state = await StateAsync();
        Assert.Equal((1, 0, Now), (state!.Failures, state.Pending, state.NextAttemptAt));
    }

    [Fact]
    public async Task EndingAnAttemptThatIsNoLongerPendingChangesNothing()
    {
        await BeginAsync(nextAttemptAt: Now.AddMinutes(1));
        await Throttles(t => t.EndFailedAsync(Digest, 100, CancellationToken.None));

        await Throttles(t => t.EndFailedAsync(Digest, 100, CancellationToken.None));
        await Throttles(t => t.EndUnverifiedAsync(Digest, freeAttempts: 5, Now, CancellationToken.None));

        var state = await StateAsync();
        Assert.Equal((1, 0, Now.AddMinutes(1)), (state!.Failures, state.Pending, state.NextAttemptAt));
    }

    [Fact]
    public async Task OnlyTheFailureThatLeavesNoAttemptInFlightAtTheLimitReportsTheLock()
    {
        await BeginAsync();
        Assert.False(await Throttles(t => t.EndFailedAsync(Digest, 3, CancellationToken.None)));
        await BeginAsync();
        await BeginAsync();

        var first = await Throttles(t => t.EndFailedAsync(Digest, 3, CancellationToken.None));
        var last = await Throttles(t => t.EndFailedAsync(Digest, 3, CancellationToken.None));
        var again = await Throttles(t => t.EndFailedAsync(Digest, 3, CancellationToken.None));

        Assert.Equal([false, true, false], new[] { first, last, again });
    }

    [Fact]
    public async Task AnUnlockForgetsEverything()
    {
        await BeginAsync();
        await BeginAsync();

        await Throttles(t => t.ResetAsync(Digest, CancellationToken.None));

        Assert.Null(await StateAsync());
    }

    [Fact]
    public async Task DeleteStaleRemovesOnlyQuietShortRuns()
    {
        await BeginAsync("short", Now.AddDays(-2), Now.AddDays(-2));
        await BeginAsync("recent", Now, Now);
        for (var i = 0; i < 5; i++)
        {
            await BeginAsync("long", Now.AddDays(-2), Now.AddDays(-2));
        }

        var deleted = await Throttles(t => t.DeleteStaleAsync(Now.AddDays(-1), 5, 100, CancellationToken.None));

        Assert.Equal(1, deleted);
        Assert.Null(await StateAsync("short"));
        Assert.NotNull(await StateAsync("recent"));
        Assert.Equal(5, (await StateAsync("long"))!.Failures);
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
