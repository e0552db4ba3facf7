using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Tests.Stores;

public abstract class SessionStoreContract : StoreContract
{
    [Fact]
    public async Task ReplaceStoresANewSessionWithEveryField()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var session = NewSession(owner, "app-laptop");

        await Sessions(s => s.ReplaceAsync(session, SessionBound, SessionIdleTimeout, CancellationToken.None));

        var stored = Assert.Single(await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None)));
        Assert.Equal(session.Id, stored.Id);
        Assert.Equal(owner.Id, stored.UserId);
        Assert.Equal(owner.TenantId, stored.TenantId);
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
        var previous = await CreateSessionAsync(owner, "app-laptop");

        var next = await CreateSessionAsync(owner, "app-laptop");

        Assert.Null(await Sessions(s => s.FindByKeyIdAsync(previous.KeyId, CancellationToken.None)));
        Assert.Equal(next.Id, (await Sessions(s => s.FindByKeyIdAsync(next.KeyId, CancellationToken.None)))?.SessionId);
        var stored = Assert.Single(await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None)));
        Assert.Equal(next.Id, stored.Id);
    }

    [Fact]
    public async Task LoginsOfOneAppInstanceAtOnceAllSucceedAndLeaveOneSession()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var sessions = Enumerable.Range(0, 8).Select(_ => NewSession(owner, "app-laptop")).ToList();

        // Note: each in a scope of its own, as concurrent requests (or instances) make them.
        await Task.WhenAll(sessions.Select(session => Task.Run(() => Sessions(s => s.ReplaceAsync(session, SessionBound, SessionIdleTimeout, CancellationToken.None)))));

        var stored = Assert.Single(await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None)));
        Assert.Contains(stored.Id, sessions.Select(s => s.Id));
    }

    [Fact]
    public async Task ALoginBeyondTheBoundEndsTheUsersLeastRecentlyUsedLiveSessionAndReturnsIt()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        var recent = await CreateSessionAsync(owner, "app-recent", lastUsedAt: Now.AddHours(-1));
        var leastRecent = await CreateSessionAsync(owner, "app-least-recent", lastUsedAt: Now.AddHours(-3));
        var middle = await CreateSessionAsync(owner, "app-middle", lastUsedAt: Now.AddHours(-2));
        // Note: expired sessions take no place and are left to the sweeper; another user's are not counted.
        var expired = await CreateSessionAsync(owner, "app-expired", lastUsedAt: Now.AddHours(-9), expiresAt: Now.AddMinutes(-1));
        var idle = await CreateSessionAsync(owner, "app-idle", lastUsedAt: Now - SessionIdleTimeout);
        await CreateSessionAsync(member, "app-member", lastUsedAt: Now.AddDays(-2));
        var login = NewSession(owner, "app-new", lastUsedAt: Now);
        login.CreatedAt = Now;

        var evicted = await Sessions(s => s.ReplaceAsync(login, 3, SessionIdleTimeout, CancellationToken.None));

        Assert.Equal([leastRecent.Id], evicted.Select(e => e.Id));
        Assert.Equal("app-least-recent", evicted[0].AppId);
        Assert.Null(await Sessions(s => s.FindByKeyIdAsync(leastRecent.KeyId, CancellationToken.None)));
        var live = await Sessions(acme.Id, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None));
        Assert.Equal(new[] { recent.Id, middle.Id, login.Id }.Order(), live.Select(s => s.Id).Order());
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(expired.KeyId, CancellationToken.None)));
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(idle.KeyId, CancellationToken.None)));
        Assert.Equal(6, await CountAsync<AppSession>());
    }

    [Fact]
    public async Task ALoginBelowTheBoundOrReplacingItsOwnAppInstanceEndsNoOtherSession()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var laptop = await CreateSessionAsync(owner, "app-laptop", lastUsedAt: Now.AddHours(-3));
        var phone = await CreateSessionAsync(owner, "app-phone", lastUsedAt: Now.AddHours(-2));
        var tablet = NewSession(owner, "app-tablet", lastUsedAt: Now);
        tablet.CreatedAt = Now;
        var laptopAgain = NewSession(owner, "app-laptop", lastUsedAt: Now);
        laptopAgain.CreatedAt = Now;

        Assert.Empty(await Sessions(s => s.ReplaceAsync(tablet, 3, SessionIdleTimeout, CancellationToken.None)));
        Assert.Empty(await Sessions(s => s.ReplaceAsync(laptopAgain, 3, SessionIdleTimeout, CancellationToken.None)));

        var live = await Sessions(acme.Id, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None));
        Assert.Equal(new[] { phone.Id, tablet.Id, laptopAgain.Id }.Order(), live.Select(s => s.Id).Order());
        Assert.Null(await Sessions(s => s.FindByKeyIdAsync(laptop.KeyId, CancellationToken.None)));
    }

    [Fact]
    public async Task ListPagesTheUsersLiveSessionsNewestFirstByCursorWithoutRepeatsOrGaps()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var session = NewSession(owner, $"app-{i}");
            session.Id = Guid.CreateVersion7(Now.AddMinutes(i));
            await Sessions(s => s.ReplaceAsync(session, SessionBound, SessionIdleTimeout, CancellationToken.None));
            ids.Add(session.Id);
        }

        await CreateSessionAsync(owner, "app-expired", expiresAt: Now.AddMinutes(-1));

        var first = await Sessions(acme.Id, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, new PageRequest(null, 2), CancellationToken.None));
        var second = await Sessions(acme.Id, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, new PageRequest(first[^1].Id, 2), CancellationToken.None));
        // Note: the cursor is an id, not a row: it pages on after its own session has ended.
        Assert.True(await Sessions(acme.Id, s => s.DeleteAsync(owner.Id, second[^1].Id, CredentialEndReason.LoggedOut, CancellationToken.None)));
        var last = await Sessions(acme.Id, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, new PageRequest(second[^1].Id, 2), CancellationToken.None));

        Assert.Equal([ids[4], ids[3]], first.Select(s => s.Id));
        Assert.Equal([ids[2], ids[1]], second.Select(s => s.Id));
        Assert.Equal([ids[0]], last.Select(s => s.Id));
    }

    [Fact]
    public async Task SessionsOfDifferentAppsOfOneUserCoexist()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var laptop = await CreateSessionAsync(owner, "app-laptop");
        var phone = await CreateSessionAsync(owner, "app-phone");

        var stored = await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None));

        Assert.Equal(new[] { laptop.Id, phone.Id }.Order(), stored.Select(s => s.Id).Order());
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(laptop.KeyId, CancellationToken.None)));
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(phone.KeyId, CancellationToken.None)));
    }

    [Fact]
    public async Task ReplaceLeavesAnotherUsersSessionOfTheSameAppIdAlone()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        var membersSession = await CreateSessionAsync(member, "app-shared-kiosk");

        await CreateSessionAsync(owner, "app-shared-kiosk");

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
        var session = await CreateSessionAsync(bot, "app-ci", lastUsedAt: Now.AddMinutes(-7), expiresAt: Now.AddDays(20));

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
        Assert.False(credential.Superseded);
    }

    [Fact]
    public async Task ASessionIssuedUnderAnOlderCredentialVersionIsSupersededAndTheKeptOneIsNot()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var kept = await CreateSessionAsync(owner, "app-laptop");
        // Note: a login that read the user before the change and inserts its session after it, as the race does.
        var late = NewSession(owner, "app-phone");

        await Users(acme.Id, u => u.ChangeSecretAsync(owner.Id, "$argon2id$changed", kept.Id, CredentialEndReason.PasswordChanged, CancellationToken.None));
        await Sessions(s => s.ReplaceAsync(late, SessionBound, SessionIdleTimeout, CancellationToken.None));

        Assert.False((await Sessions(s => s.FindByKeyIdAsync(kept.KeyId, CancellationToken.None)))!.Superseded);
        Assert.True((await Sessions(s => s.FindByKeyIdAsync(late.KeyId, CancellationToken.None)))!.Superseded);
    }

    [Fact]
    public async Task DisablingAUserSupersedesASessionInsertedAfterwards()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        var late = NewSession(member, "app-phone");

        await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, member.Id, new(TenantRole.Member, false), new(TenantRole.Member, true), CancellationToken.None));
        await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, member.Id, new(TenantRole.Member, true), new(TenantRole.Member, false), CancellationToken.None));
        await Sessions(s => s.ReplaceAsync(late, SessionBound, SessionIdleTimeout, CancellationToken.None));

        Assert.True((await Sessions(s => s.FindByKeyIdAsync(late.KeyId, CancellationToken.None)))!.Superseded);
    }

    [Fact]
    public async Task FindByKeyIdReturnsNullForAnUnknownKeyId()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        await CreateSessionAsync(owner, "app-laptop");

        Assert.Null(await Sessions(s => s.FindByKeyIdAsync("00000000000000000000000000000000", CancellationToken.None)));
    }

    [Fact]
    public async Task TheKeyDigestIsStoredExactlyAsGiven()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var session = await CreateSessionAsync(owner, "app-laptop");

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
        var laptop = await CreateSessionAsync(owner, "app-laptop");
        var phone = await CreateSessionAsync(owner, "app-phone");
        await CreateSessionAsync(member, "app-laptop");

        var owners = await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None));

        Assert.Equal(new[] { laptop.Id, phone.Id }.Order(), owners.Select(s => s.Id).Order());
        Assert.All(owners, s => Assert.Equal(owner.Id, s.UserId));
    }

    [Fact]
    public async Task ListOfAUserWithoutSessionsIsEmpty()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");

        Assert.Empty(await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None)));
    }

    [Fact]
    public async Task DeleteRemovesTheUsersOwnSession()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var laptop = await CreateSessionAsync(owner, "app-laptop");
        var phone = await CreateSessionAsync(owner, "app-phone");

        Assert.True(await Sessions(owner.TenantId, s => s.DeleteAsync(owner.Id, laptop.Id, CredentialEndReason.LoggedOut, CancellationToken.None)));

        Assert.Null(await Sessions(s => s.FindByKeyIdAsync(laptop.KeyId, CancellationToken.None)));
        Assert.Equal([phone.Id], (await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None))).Select(s => s.Id));
    }

    [Fact]
    public async Task DeleteReturnsFalseForAnotherUsersSessionAndKeepsIt()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        var membersSession = await CreateSessionAsync(member, "app-laptop");

        Assert.False(await Sessions(owner.TenantId, s => s.DeleteAsync(owner.Id, membersSession.Id, CredentialEndReason.LoggedOut, CancellationToken.None)));

        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(membersSession.KeyId, CancellationToken.None)));
    }

    [Fact]
    public async Task DeleteReturnsFalseForAnUnknownSession()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        await CreateSessionAsync(owner, "app-laptop");

        Assert.False(await Sessions(owner.TenantId, s => s.DeleteAsync(owner.Id, Guid.NewGuid(), CredentialEndReason.LoggedOut, CancellationToken.None)));
        Assert.Equal(1, await CountAsync<AppSession>());
    }

    [Fact]
    public async Task DeleteAllRemovesEverySessionOfTheUserAndNoOtherAndReturnsHowMany()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        await CreateSessionAsync(owner, "app-laptop");
        await CreateSessionAsync(owner, "app-phone");
        await CreateSessionAsync(owner, "app-tablet");
        var membersSession = await CreateSessionAsync(member, "app-laptop");

        Assert.Equal(3, await Sessions(owner.TenantId, s => s.DeleteAllAsync(owner.Id, CredentialEndReason.LoggedOut, CancellationToken.None)));

        Assert.Empty(await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None)));
        Assert.Equal([membersSession.Id], (await Sessions(member.TenantId, s => s.ListAsync(member.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None))).Select(s => s.Id));
        Assert.Equal(0, await Sessions(owner.TenantId, s => s.DeleteAllAsync(owner.Id, CredentialEndReason.LoggedOut, CancellationToken.None)));
    }

    [Fact]
    public async Task RecordLastUseOfMoreSessionsThanOneTransactionTakesRecordsEachOfThem()
    {
        // Note: 300 uses, past LastUseBatches.RowsPerTransaction (256), given out of id order, over three people
        // (each under the per-person bound of sessions).
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var people = new[] { owner, await CreateUserAsync(acme.Id, "ann@acme.test"), await CreateUserAsync(acme.Id, "bob@acme.test") };
        var sessions = new List<AppSession>();
        for (var i = 0; i < 300; i++)
        {
            sessions.Add(await CreateSessionAsync(people[i % 3], $"app-{i}", lastUsedAt: Now.AddHours(-1)));
        }

        await Sessions(s => s.RecordLastUseAsync(
            sessions.Select((session, i) => new KeyValuePair<Guid, DateTimeOffset>(session.Id, Now.AddSeconds(-i))).Reverse().ToList(),
            CancellationToken.None));

        for (var i = 0; i < sessions.Count; i++)
        {
            Assert.Equal(Now.AddSeconds(-i), (await Sessions(s => s.FindByKeyIdAsync(sessions[i].KeyId, CancellationToken.None)))?.LastUsedAt);
        }
    }

    [Fact]
    public async Task RecordLastUseOnlyMovesLastUsedAtForward()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var laptop = await CreateSessionAsync(owner, "app-laptop", lastUsedAt: Now.AddHours(-1));
        var phone = await CreateSessionAsync(owner, "app-phone", lastUsedAt: Now.AddHours(-1));

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
        var live = await CreateSessionAsync(owner, "app-live", lastUsedAt: Now.AddMinutes(-5), expiresAt: Now.AddDays(1));
        var nearlyIdle = await CreateSessionAsync(owner, "app-nearly-idle", lastUsedAt: Now - SessionIdleTimeout + TimeSpan.FromSeconds(1), expiresAt: Now.AddDays(1));
        var nearlyExpired = await CreateSessionAsync(owner, "app-nearly-expired", lastUsedAt: Now.AddMinutes(-5), expiresAt: Now.AddSeconds(1));
        await CreateSessionAsync(owner, "app-expired", lastUsedAt: Now.AddMinutes(-5), expiresAt: Now.AddDays(-1));
        await CreateSessionAsync(owner, "app-expires-now", lastUsedAt: Now.AddMinutes(-5), expiresAt: Now);
        await CreateSessionAsync(owner, "app-idle", lastUsedAt: Now.AddDays(-8), expiresAt: Now.AddDays(1));
        await CreateSessionAsync(owner, "app-idle-since-now", lastUsedAt: Now - SessionIdleTimeout, expiresAt: Now.AddDays(1));

        var deleted = await Sessions(s => s.DeleteExpiredAsync(Now, SessionIdleTimeout, 100, CancellationToken.None));

        Assert.Equal(4, deleted);
        var kept = await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None));
        Assert.Equal(new[] { live.Id, nearlyIdle.Id, nearlyExpired.Id }.Order(), kept.Select(s => s.Id).Order());
    }

    [Fact]
    public async Task DeleteExpiredDeletesAtMostOneBatchPerCall()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        for (var i = 0; i < 7; i++)
        {
            await CreateSessionAsync(owner, $"app-expired-{i}", expiresAt: Now.AddDays(-1 - i));
        }

        var live = await CreateSessionAsync(owner, "app-live");
        var batches = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            batches.Add(await Sessions(s => s.DeleteExpiredAsync(Now, SessionIdleTimeout, 3, CancellationToken.None)));
        }

        Assert.Equal([3, 3, 1, 0], batches);
        Assert.Equal([live.Id], (await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None))).Select(s => s.Id));
    }

    [Fact]
    public async Task DeleteExpiredWithNothingExpiredDeletesNothing()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        await CreateSessionAsync(owner, "app-laptop");

        Assert.Equal(0, await Sessions(s => s.DeleteExpiredAsync(Now, SessionIdleTimeout, 100, CancellationToken.None)));
        Assert.Equal(1, await CountAsync<AppSession>());
    }

    [Fact]
    public async Task DeleteExpiredComparesInstantsWhateverTheirOffset()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var plusTwo = TimeSpan.FromHours(2);
        var live = await CreateSessionAsync(owner, "app-live", lastUsedAt: Now.ToOffset(plusTwo), expiresAt: Now.AddHours(1).ToOffset(plusTwo));

        var deleted = await Sessions(s => s.DeleteExpiredAsync(Now.ToOffset(-plusTwo), SessionIdleTimeout, 100, CancellationToken.None));

        Assert.Equal(0, deleted);
        Assert.Equal([live.Id], (await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None))).Select(s => s.Id));
    }

    [Fact]
    public async Task QueriesInAScopeWithoutATenantFindNothingAndDeleteNothing()
    {
        var (_, owner) = await CreateTenantAsync("owner@acme.test");
        var session = await CreateSessionAsync(owner, "app-laptop");

        Assert.Empty(await Sessions(s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None)));
        Assert.False(await Sessions(s => s.DeleteAsync(owner.Id, session.Id, CredentialEndReason.LoggedOut, CancellationToken.None)));
        Assert.Equal(0, await Sessions(s => s.DeleteAllAsync(owner.Id, CredentialEndReason.LoggedOut, CancellationToken.None)));
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(session.KeyId, CancellationToken.None)));
    }

    [Fact]
    public async Task QueriesInOneTenantsScopeSeeNothingOfAnothersSessionsEvenGivenTheirIds()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var (_, globexOwner) = await CreateTenantAsync("owner@globex.test");
        var session = await CreateSessionAsync(globexOwner, "app-laptop");

        Assert.Empty(await Sessions(acme.Id, s => s.ListAsync(globexOwner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None)));
        Assert.False(await Sessions(acme.Id, s => s.DeleteAsync(globexOwner.Id, session.Id, CredentialEndReason.LoggedOut, CancellationToken.None)));
        Assert.Equal(0, await Sessions(acme.Id, s => s.DeleteAllAsync(globexOwner.Id, CredentialEndReason.LoggedOut, CancellationToken.None)));
        Assert.Equal([session.Id], (await Sessions(globexOwner.TenantId, s => s.ListAsync(globexOwner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None))).Select(s => s.Id));
    }

    [Fact]
    public async Task TheSweeperAndTheLastUseWriterReachSessionsOfEveryTenantWithoutATenant()
    {
        var (_, acmeOwner) = await CreateTenantAsync("owner@acme.test");
        var (_, globexOwner) = await CreateTenantAsync("owner@globex.test");
        var acmeSession = await CreateSessionAsync(acmeOwner, "app-laptop", lastUsedAt: Now.AddHours(-1));
        await CreateSessionAsync(acmeOwner, "app-expired", expiresAt: Now.AddDays(-1));
        await CreateSessionAsync(globexOwner, "app-expired", expiresAt: Now.AddDays(-1));

        await Sessions(s => s.RecordLastUseAsync([new(acmeSession.Id, Now)], CancellationToken.None));
        var deleted = await Sessions(s => s.DeleteExpiredAsync(Now, SessionIdleTimeout, 100, CancellationToken.None));

        Assert.Equal(2, deleted);
        Assert.Equal(Now, (await Sessions(s => s.FindByKeyIdAsync(acmeSession.KeyId, CancellationToken.None)))?.LastUsedAt);
    }
}
