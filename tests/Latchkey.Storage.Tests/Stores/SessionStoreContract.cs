using Latchkey.Core.Model;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Tests.Stores;

public abstract class SessionStoreContract : StoreContract
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromDays(7);

    [Fact]
    public async Task ReplaceStoresANewSessionWithEveryField()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var session = NewSession(owner.Id, "app-laptop");

        await Sessions(s => s.ReplaceAsync(session, CancellationToken.None));

        var stored = Assert.Single(await Sessions(s => s.ListAsync(owner.Id, CancellationToken.None)));
        Assert.Equal(session.Id, stored.Id);
        Assert.Equal(owner.Id, stored.UserId);
        Assert.Equal("app-laptop", stored.AppId);
        Assert.Equal("Firefox on laptop", stored.AppName);
        Assert.Equal(session.KeyId, stored.KeyId);
        Assert.Equal(session.KeyDigest, stored.KeyDigest);
        Assert.Equal(session.CreatedAt, stored.CreatedAt);
        Assert.Equal(session.LastUsedAt, stored.LastUsedAt);
        Assert.Equal(session.ExpiresAt, stored.ExpiresAt);
    }

    [Fact]
    public async Task ReplaceRemovesThePreviousSessionOfTheSameApp()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var previous = await CreateSessionAsync(owner.Id, "app-laptop");

        var next = await CreateSessionAsync(owner.Id, "app-laptop");

        Assert.Null(await Sessions(s => s.FindByKeyIdAsync(previous.KeyId, CancellationToken.None)));
        Assert.Equal(next.Id, (await Sessions(s => s.FindByKeyIdAsync(next.KeyId, CancellationToken.None)))?.SessionId);
        var stored = Assert.Single(await Sessions(s => s.ListAsync(owner.Id, CancellationToken.None)));
        Assert.Equal(next.Id, stored.Id);
    }

    [Fact]
    public async Task SessionsOfDifferentAppsOfOneUserCoexist()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var laptop = await CreateSessionAsync(owner.Id, "app-laptop");
        var phone = await CreateSessionAsync(owner.Id, "app-phone");

        var stored = await Sessions(s => s.ListAsync(owner.Id, CancellationToken.None));

        Assert.Equal(new[] { laptop.Id, phone.Id }.Order(), stored.Select(s => s.Id).Order());
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(laptop.KeyId, CancellationToken.None)));
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(phone.KeyId, CancellationToken.None)));
    }

    [Fact]
    public async Task ReplaceLeavesAnotherUsersSessionOfTheSameAppIdAlone()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        var membersSession = await CreateSessionAsync(member.Id, "app-shared-kiosk");

        await CreateSessionAsync(owner.Id, "app-shared-kiosk");

        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(membersSession.KeyId, CancellationToken.None)));
        Assert.Equal(2, await CountAsync<AppSession>());
    }

    [Fact]
    public async Task FindByKeyIdReturnsTheSessionJoinedWithWhatAuthenticationNeedsOfItsUser()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var bot = NewUser(acme.Id, "lkm_acme000000000001", UserKind.Machine, TenantRole.Admin);
        bot.Disabled = true;
        Assert.True(await Users(u => u.CreateAsync(bot, CancellationToken.None)));
        var session = await CreateSessionAsync(bot.Id, "app-ci", lastUsedAt: Now.AddMinutes(-7), expiresAt: Now.AddDays(20));

        var credential = await Sessions(s => s.FindByKeyIdAsync(session.KeyId, CancellationToken.None));

        Assert.NotNull(credential);
        Assert.Equal(session.Id, credential.SessionId);
        Assert.Equal("app-ci", credential.AppId);
        Assert.Equal(session.KeyDigest, credential.KeyDigest);
        Assert.Equal(Now.AddMinutes(-7), credential.LastUsedAt);
        Assert.Equal(Now.AddDays(20), credential.ExpiresAt);
        Assert.Equal(bot.Id, credential.UserId);
        Assert.Equal(acme.Id, credential.TenantId);
        Assert.Equal("lkm_acme000000000001", credential.Login);
        Assert.Equal(UserKind.Machine, credential.Kind);
        Assert.Equal(TenantRole.Admin, credential.Role);
        Assert.Equal("users:read sessions:write", credential.Scopes);
        Assert.True(credential.Disabled);
    }

    [Fact]
    public async Task FindByKeyIdReturnsNullForAnUnknownKeyId()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        await CreateSessionAsync(owner.Id, "app-laptop");

        Assert.Null(await Sessions(s => s.FindByKeyIdAsync("00000000000000000000000000000000", CancellationToken.None)));
    }

    [Fact]
    public async Task TheKeyDigestIsStoredExactlyAsGiven()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var session = await CreateSessionAsync(owner.Id, "app-laptop");

        var stored = await Db(db => db.Database
            .SqlQuery<byte[]>($"""SELECT key_digest AS "Value" FROM api_user_key WHERE key_id = {session.KeyId}""")
            .SingleAsync(CancellationToken.None));

        Assert.Equal(32, stored.Length);
        Assert.Equal(session.KeyDigest, stored);
    }

    [Fact]
    public async Task ListReturnsOnlyTheUsersOwnSessions()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        var laptop = await CreateSessionAsync(owner.Id, "app-laptop");
        var phone = await CreateSessionAsync(owner.Id, "app-phone");
        await CreateSessionAsync(member.Id, "app-laptop");

        var owners = await Sessions(s => s.ListAsync(owner.Id, CancellationToken.None));

        Assert.Equal(new[] { laptop.Id, phone.Id }.Order(), owners.Select(s => s.Id).Order());
        Assert.All(owners, s => Assert.Equal(owner.Id, s.UserId));
    }

    [Fact]
    public async Task ListOfAUserWithoutSessionsIsEmpty()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");

        Assert.Empty(await Sessions(s => s.ListAsync(owner.Id, CancellationToken.None)));
    }

    [Fact]
    public async Task DeleteRemovesTheUsersOwnSession()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var laptop = await CreateSessionAsync(owner.Id, "app-laptop");
        var phone = await CreateSessionAsync(owner.Id, "app-phone");

        Assert.True(await Sessions(s => s.DeleteAsync(owner.Id, laptop.Id, CancellationToken.None)));

        Assert.Null(await Sessions(s => s.FindByKeyIdAsync(laptop.KeyId, CancellationToken.None)));
        Assert.Equal([phone.Id], (await Sessions(s => s.ListAsync(owner.Id, CancellationToken.None))).Select(s => s.Id));
    }

    [Fact]
    public async Task DeleteReturnsFalseForAnotherUsersSessionAndKeepsIt()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        var membersSession = await CreateSessionAsync(member.Id, "app-laptop");

        Assert.False(await Sessions(s => s.DeleteAsync(owner.Id, membersSession.Id, CancellationToken.None)));

        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(membersSession.KeyId, CancellationToken.None)));
    }

    [Fact]
    public async Task DeleteReturnsFalseForAnUnknownSession()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        await CreateSessionAsync(owner.Id, "app-laptop");

        Assert.False(await Sessions(s => s.DeleteAsync(owner.Id, Guid.NewGuid(), CancellationToken.None)));
        Assert.Equal(1, await CountAsync<AppSession>());
    }

    [Fact]
    public async Task DeleteAllRemovesEverySessionOfTheUserAndNoOtherAndReturnsHowMany()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        await CreateSessionAsync(owner.Id, "app-laptop");
        await CreateSessionAsync(owner.Id, "app-phone");
        await CreateSessionAsync(owner.Id, "app-tablet");
        var membersSession = await CreateSessionAsync(member.Id, "app-laptop");

        Assert.Equal(3, await Sessions(s => s.DeleteAllAsync(owner.Id, CancellationToken.None)));

        Assert.Empty(await Sessions(s => s.ListAsync(owner.Id, CancellationToken.None)));
        Assert.Equal([membersSession.Id], (await Sessions(s => s.ListAsync(member.Id, CancellationToken.None))).Select(s => s.Id));
        Assert.Equal(0, await Sessions(s => s.DeleteAllAsync(owner.Id, CancellationToken.None)));
    }

    [Fact]
    public async Task RecordLastUseOnlyMovesLastUsedAtForward()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var laptop = await CreateSessionAsync(owner.Id, "app-laptop", lastUsedAt: Now.AddHours(-1));
        var phone = await CreateSessionAsync(owner.Id, "app-phone", lastUsedAt: Now.AddHours(-1));

        await Sessions(s => s.RecordLastUseAsync([new(laptop.Id, Now), new(phone.Id, Now.AddHours(-2))], CancellationToken.None));

        Assert.Equal(Now, await LastUsedAtAsync(laptop.KeyId));
        Assert.Equal(Now.AddHours(-1), await LastUsedAtAsync(phone.KeyId));

        await Sessions(s => s.RecordLastUseAsync([new(laptop.Id, Now.AddSeconds(-30)), new(phone.Id, Now.AddMinutes(-30))], CancellationToken.None));

        Assert.Equal(Now, await LastUsedAtAsync(laptop.KeyId));
        Assert.Equal(Now.AddMinutes(-30), await LastUsedAtAsync(phone.KeyId));

        async Task<DateTimeOffset?> LastUsedAtAsync(string keyId) =>
            (await Sessions(s => s.FindByKeyIdAsync(keyId, CancellationToken.None)))?.LastUsedAt;
    }

    [Fact]
    public async Task DeleteExpiredRemovesAbsoluteAndIdleExpiredSessionsAndKeepsLiveOnes()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var live = await CreateSessionAsync(owner.Id, "app-live", lastUsedAt: Now.AddMinutes(-5), expiresAt: Now.AddDays(1));
        var nearlyIdle = await CreateSessionAsync(owner.Id, "app-nearly-idle", lastUsedAt: Now - IdleTimeout + TimeSpan.FromSeconds(1), expiresAt: Now.AddDays(1));
        var nearlyExpired = await CreateSessionAsync(owner.Id, "app-nearly-expired", lastUsedAt: Now.AddMinutes(-5), expiresAt: Now.AddSeconds(1));
        await CreateSessionAsync(owner.Id, "app-expired", lastUsedAt: Now.AddMinutes(-5), expiresAt: Now.AddDays(-1));
        await CreateSessionAsync(owner.Id, "app-expires-now", lastUsedAt: Now.AddMinutes(-5), expiresAt: Now);
        await CreateSessionAsync(owner.Id, "app-idle", lastUsedAt: Now.AddDays(-8), expiresAt: Now.AddDays(1));
        await CreateSessionAsync(owner.Id, "app-idle-since-now", lastUsedAt: Now - IdleTimeout, expiresAt: Now.AddDays(1));

        var deleted = await Sessions(s => s.DeleteExpiredAsync(Now, IdleTimeout, 100, CancellationToken.None));

        Assert.Equal(4, deleted);
        var kept = await Sessions(s => s.ListAsync(owner.Id, CancellationToken.None));
        Assert.Equal(new[] { live.Id, nearlyIdle.Id, nearlyExpired.Id }.Order(), kept.Select(s => s.Id).Order());
    }

    [Fact]
    public async Task DeleteExpiredDeletesAtMostOneBatchPerCall()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        for (var i = 0; i < 7; i++)
        {
            await CreateSessionAsync(owner.Id, $"app-expired-{i}", expiresAt: Now.AddDays(-1 - i));
        }

        var live = await CreateSessionAsync(owner.Id, "app-live");
        var batches = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            batches.Add(await Sessions(s => s.DeleteExpiredAsync(Now, IdleTimeout, 3, CancellationToken.None)));
        }

        Assert.Equal([3, 3, 1, 0], batches);
        Assert.Equal([live.Id], (await Sessions(s => s.ListAsync(owner.Id, CancellationToken.None))).Select(s => s.Id));
    }

    [Fact]
    public async Task DeleteExpiredWithNothingExpiredDeletesNothing()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        await CreateSessionAsync(owner.Id, "app-laptop");

        Assert.Equal(0, await Sessions(s => s.DeleteExpiredAsync(Now, IdleTimeout, 100, CancellationToken.None)));
        Assert.Equal(1, await CountAsync<AppSession>());
    }

    [Fact]
    public async Task DeleteExpiredComparesInstantsWhateverTheirOffset()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var plusTwo = TimeSpan.FromHours(2);
        var live = await CreateSessionAsync(owner.Id, "app-live", lastUsedAt: Now.ToOffset(plusTwo), expiresAt: Now.AddHours(1).ToOffset(plusTwo));

        var deleted = await Sessions(s => s.DeleteExpiredAsync(Now.ToOffset(-plusTwo), IdleTimeout, 100, CancellationToken.None));

        Assert.Equal(0, deleted);
        Assert.Equal([live.Id], (await Sessions(s => s.ListAsync(owner.Id, CancellationToken.None))).Select(s => s.Id));
    }
}
