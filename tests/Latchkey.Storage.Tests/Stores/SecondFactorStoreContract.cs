using Latchkey.Core.Model;
using Latchkey.Core.Stores;

namespace Latchkey.Storage.Tests.Stores;

public abstract class SecondFactorStoreContract : StoreContract
{
    /// <summary>A call of the store in a scope of its own: in the tenant when given, else as login does.</summary>
    private Task<T> Factors<T>(Guid? tenantId, Func<ISecondFactorStore, Task<T>> call) => Scoped(tenantId, call);

    [Fact]
    public async Task APendingFactorIsNoFactorUntilConfirmed()
    {
        var (tenant, owner) = await CreateTenantAsync("owner@acme.test");
        Assert.True(await Factors(tenant.Id, f => f.SavePendingTotpAsync(Pending(owner), CancellationToken.None)));

        Assert.Null(await Factors(null, f => f.FindTotpAsync(owner.Id, CancellationToken.None)));
        Assert.NotNull(await Factors(tenant.Id, f => f.FindPendingTotpAsync(owner.Id, CancellationToken.None)));

        Assert.True(await Factors(tenant.Id, f => f.ConfirmTotpAsync(owner.Id, 100, Now, [], CancellationToken.None)));
        var confirmed = await Factors(null, f => f.FindTotpAsync(owner.Id, CancellationToken.None));
        Assert.Equal(100, confirmed?.LastStep);
        Assert.False(await Factors(tenant.Id, f => f.ConfirmTotpAsync(owner.Id, 101, Now, [], CancellationToken.None)));
        Assert.False(await Factors(tenant.Id, f => f.SavePendingTotpAsync(Pending(owner), CancellationToken.None)));
    }

    [Fact]
    public async Task AStepIsAcceptedOnlyIfLaterThanAnyAcceptedBeforeEvenConcurrently()
    {
        var (tenant, owner) = await CreateTenantAsync("owner@acme.test");
        await Factors(tenant.Id, f => f.SavePendingTotpAsync(Pending(owner), CancellationToken.None));
        await Factors(tenant.Id, f => f.ConfirmTotpAsync(owner.Id, 100, Now, [], CancellationToken.None));

        Assert.False(await Factors(null, f => f.AcceptTotpStepAsync(owner.Id, 100, CancellationToken.None)));
        Assert.False(await Factors(null, f => f.AcceptTotpStepAsync(owner.Id, 99, CancellationToken.None)));

        // Note: each in a scope of its own, as instances make them: exactly one wins.
        var accepted = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => Factors(null, f => f.AcceptTotpStepAsync(owner.Id, 101, CancellationToken.None)))));
        Assert.Single(accepted, a => a);
    }

    [Fact]
    public async Task ARecoveryCodeIsUsedOnceAndReplacingDiscardsTheOld()
    {
        var (tenant, owner) = await CreateTenantAsync("owner@acme.test");
        var old = Code(owner, 1);
        await Factors(tenant.Id, f => f.SavePendingTotpAsync(Pending(owner), CancellationToken.None));
        await Factors(tenant.Id, f => f.ConfirmTotpAsync(owner.Id, 1, Now, [old], CancellationToken.None));

        var uses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => Factors(null, f => f.UseRecoveryCodeAsync(owner.Id, old.Digest, CancellationToken.None)))));
        Assert.Single(uses, u => u);

        var fresh = Code(owner, 2);
        await Factors(tenant.Id, async f => { await f.ReplaceRecoveryCodesAsync(owner.Id, [Code(owner, 3), fresh], CancellationToken.None); return 0; });
        Assert.True(await Factors(null, f => f.UseRecoveryCodeAsync(owner.Id, fresh.Digest, CancellationToken.None)));
        Assert.Equal(1, await CountAsync<RecoveryCode>());
    }

    [Fact]
    public async Task AChallengeIsConsumedOnceAndDiesAtItsFailureLimit()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var once = Challenge(owner, 1);
        var failing = Challenge(owner, 2);
        await Factors(null, async f => { await f.CreateChallengeAsync(once, CancellationToken.None); await f.CreateChallengeAsync(failing, CancellationToken.None); return 0; });

        Assert.Equal(owner.Id, (await Factors(null, f => f.FindChallengeAsync(once.TokenDigest, CancellationToken.None)))?.UserId);
        var consumed = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => Factors(null, f => f.ConsumeChallengeAsync(once.Id, 5, CancellationToken.None)))));
        Assert.Single(consumed, c => c);

        for (var i = 0; i < 4; i++)
        {
            await Factors(null, async f => { await f.CountChallengeFailureAsync(failing.Id, 5, CancellationToken.None); return 0; });
        }

        Assert.Equal(4, (await Factors(null, f => f.FindChallengeAsync(failing.TokenDigest, CancellationToken.None)))?.Failures);
        await Factors(null, async f => { await f.CountChallengeFailureAsync(failing.Id, 5, CancellationToken.None); return 0; });
        Assert.Null(await Factors(null, f => f.FindChallengeAsync(failing.TokenDigest, CancellationToken.None)));
    }

    [Fact]
    public async Task DeletingAllRemovesFactorCodesAndChallengesOfThatUserOnly()
    {
        var (tenant, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(tenant.Id, "member@acme.test");
        foreach (var user in new[] { owner, member })
        {
            await Factors(tenant.Id, f => f.SavePendingTotpAsync(Pending(user), CancellationToken.None));
            await Factors(tenant.Id, f => f.ConfirmTotpAsync(user.Id, 1, Now, [Code(user, 1)], CancellationToken.None));
            await Factors(null, async f => { await f.CreateChallengeAsync(Challenge(user, (byte)(user == owner ? 1 : 2)), CancellationToken.None); return 0; });
        }

        Assert.True(await Factors(tenant.Id, f => f.DeleteAllAsync(owner.Id, CancellationToken.None)));
        Assert.False(await Factors(tenant.Id, f => f.DeleteAllAsync(owner.Id, CancellationToken.None)));

        Assert.Null(await Factors(null, f => f.FindTotpAsync(owner.Id, CancellationToken.None)));
        Assert.NotNull(await Factors(null, f => f.FindTotpAsync(member.Id, CancellationToken.None)));
        Assert.Equal(1, await CountAsync<RecoveryCode>());
        Assert.Equal(1, await CountAsync<MfaChallenge>());
    }

    [Fact]
    public async Task ConfirmingLiftsTheEnrolmentOnlyRestrictionOfEverySessionOfTheUser()
    {
        var (tenant, owner) = await CreateTenantAsync("owner@acme.test");
        var session = NewSession(owner, "app-laptop");
        session.EnrolmentOnly = true;
        await Sessions(s => s.ReplaceAsync(session, SessionBound, SessionIdleTimeout, CancellationToken.None));
        Assert.True((await Sessions(s => s.FindByKeyIdAsync(session.KeyId, CancellationToken.None)))!.EnrolmentOnly);

        await Factors(tenant.Id, f => f.SavePendingTotpAsync(Pending(owner), CancellationToken.None));
        await Factors(tenant.Id, f => f.ConfirmTotpAsync(owner.Id, 1, Now, [], CancellationToken.None));

        Assert.False((await Sessions(s => s.FindByKeyIdAsync(session.KeyId, CancellationToken.None)))!.EnrolmentOnly);
    }

    [Fact]
    public async Task ReauthenticationMovesTheAuthTimeOfThatSessionOnly()
    {
        var (tenant, owner) = await CreateTenantAsync("owner@acme.test");
        var laptop = await CreateSessionAsync(owner, "app-laptop");
        var phone = await CreateSessionAsync(owner, "app-phone");

        Assert.True(await Factors(tenant.Id, f => f.ReauthenticateSessionAsync(owner.Id, laptop.Id, Now, "pwd otp", CancellationToken.None)));

        Assert.Equal((Now, "pwd otp"), await Factors(tenant.Id, f => f.FindSessionAuthenticationAsync(laptop.Id, CancellationToken.None)));
        Assert.NotEqual(Now, (await Factors(tenant.Id, f => f.FindSessionAuthenticationAsync(phone.Id, CancellationToken.None)))?.AuthTime);
    }

    [Fact]
    public async Task APasskeysCounterMovesOnlyFromTheValueReadEvenConcurrentlyAndAResetRemovesIt()
    {
        var (tenant, owner) = await CreateTenantAsync("owner@acme.test");
        var passkey = new Passkey
        {
            Id = Guid.NewGuid(), UserId = owner.Id, TenantId = tenant.Id, CredentialId = [1, 2, 3], PublicKey = [4, 5, 6],
            BackupEligible = true, Name = "Laptop", CreatedAt = Now,
        };
        Assert.True(await Passkeys(tenant.Id, p => p.AddAsync(passkey, CancellationToken.None)));
        Assert.False(await Passkeys(tenant.Id, p => p.AddAsync(passkey, CancellationToken.None)));

        // Note: each in a scope of its own, as instances make them: of assertions read against one counter, one wins.
        var recorded = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => Passkeys(null, p => p.RecordUseAsync(passkey.Id, 0, 1, true, Now, CancellationToken.None)))));
        Assert.Single(recorded, r => r);
        var stored = await Passkeys(null, p => p.FindByCredentialIdAsync([1, 2, 3], CancellationToken.None));
        Assert.Equal((1L, true, Now), (stored!.SignCount, stored.BackedUp, stored.LastUsedAt!.Value));

        Assert.True(await Factors(tenant.Id, f => f.DeleteAllAsync(owner.Id, CancellationToken.None)));
        Assert.False(await Passkeys(null, p => p.AnyAsync(owner.Id, CancellationToken.None)));
    }

    [Fact]
    public async Task ACeremonyIsTakenOnceAndNeverAfterItExpires()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var live = Ceremony(owner, Now.AddMinutes(5));
        var expired = Ceremony(owner, Now);
        await Passkeys(null, async p => { await p.CreateCeremonyAsync(live, CancellationToken.None); await p.CreateCeremonyAsync(expired, CancellationToken.None); return 0; });

        var taken = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => Passkeys(null, p => p.TakeCeremonyAsync(live.Id, Now, CancellationToken.None)))));
        Assert.Equal("{}", Assert.Single(taken, t => t is not null)!.Options);
        Assert.Null(await Passkeys(null, p => p.TakeCeremonyAsync(expired.Id, Now, CancellationToken.None)));
        Assert.Equal(0, await CountAsync<WebAuthnCeremony>());
    }

    private Task<T> Passkeys<T>(Guid? tenantId, Func<IPasskeyStore, Task<T>> call) => Scoped(tenantId, call);

    private static WebAuthnCeremony Ceremony(User user, DateTimeOffset expiresAt) => new()
    {
        Id = Guid.NewGuid(), Kind = WebAuthnCeremonyKind.SignIn, UserId = user.Id, AppId = "app-laptop", Options = "{}",
        CreatedAt = Now, ExpiresAt = expiresAt,
    };

    private static TotpFactor Pending(User user) =>
        new() { UserId = user.Id, TenantId = user.TenantId, ProtectedSecret = "protected", CreatedAt = Now };

    private static RecoveryCode Code(User user, byte seed) =>
        new() { Id = Guid.NewGuid(), UserId = user.Id, TenantId = user.TenantId, Digest = Enumerable.Repeat(seed, 32).ToArray(), CreatedAt = Now };

    private static MfaChallenge Challenge(User user, byte seed) => new()
    {
        Id = Guid.NewGuid(),
        TokenDigest = Enumerable.Repeat(seed, 32).ToArray(),
        UserId = user.Id,
        TenantId = user.TenantId,
        AppId = "app-laptop",
        CreatedAt = Now,
        ExpiresAt = Now.AddMinutes(5),
    };
}
