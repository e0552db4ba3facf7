using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Storage.Tests.Stores;

public abstract class UserStoreContract : StoreContract
{
    [Fact]
    public async Task FindByLoginReturnsTheUserWithEveryField()
    {
        var (tenant, _) = await CreateTenantAsync("owner@acme.test");
        var user = NewUser(tenant.Id, "lkm_4f3a9c0d2b7e1a5c", UserKind.Machine, TenantRole.Admin);
        user.Disabled = true;
        user.LastUsedAt = Now.AddHours(-3);
        Assert.True(await Users(u => u.CreateAsync(user, CancellationToken.None)));

        var found = await Users(u => u.FindByLoginAsync("lkm_4f3a9c0d2b7e1a5c", CancellationToken.None));

        Assert.NotNull(found);
        Assert.Equal(user.Id, found.Id);
        Assert.Equal(tenant.Id, found.TenantId);
        Assert.Equal(UserKind.Machine, found.Kind);
        Assert.Equal("lkm_4f3a9c0d2b7e1a5c", found.Login);
        Assert.Equal("deploy bot", found.Name);
        Assert.Equal(user.SecretVerifier, found.SecretVerifier);
        Assert.Equal(TenantRole.Admin, found.Role);
        Assert.Equal("users:read sessions:write", found.Scopes);
        Assert.True(found.Disabled);
        Assert.Equal(user.CreatedAt, found.CreatedAt);
        Assert.Equal(Now.AddHours(-3), found.LastUsedAt);
    }

    [Fact]
    public async Task FindByLoginReturnsNullForAnUnknownLogin()
    {
        await CreateTenantAsync("owner@acme.test");

        Assert.Null(await Users(u => u.FindByLoginAsync("nobody@acme.test", CancellationToken.None)));
    }

    [Fact]
    public async Task TheSecretVerifierIsStoredExactlyAsGiven()
    {
        var (tenant, _) = await CreateTenantAsync("owner@acme.test");
        var machine = NewUser(tenant.Id, "lkm_0011223344556677", UserKind.Machine);
        machine.SecretVerifier = "$sha256$n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=";
        Assert.True(await Users(u => u.CreateAsync(machine, CancellationToken.None)));

        var stored = await Db(db => db.Database
            .SqlQuery<string>($"""SELECT secret_verifier AS "Value" FROM users WHERE login = {machine.Login}""")
            .SingleAsync(CancellationToken.None));

        Assert.Equal("$sha256$n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", stored);
    }

    [Fact]
    public async Task FindReturnsTheUserOfTheGivenTenant()
    {
        var (tenant, owner) = await CreateTenantAsync("owner@acme.test");

        var found = await Users(tenant.Id, u => u.FindAsync(tenant.Id, owner.Id, CancellationToken.None));

        Assert.NotNull(found);
        Assert.Equal("owner@acme.test", found.Login);
    }

    [Fact]
    public async Task FindReturnsNullForAUserOfAnotherTenant()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var (_, globexOwner) = await CreateTenantAsync("owner@globex.test");

        Assert.Null(await Users(acme.Id, u => u.FindAsync(acme.Id, globexOwner.Id, CancellationToken.None)));
    }

    [Fact]
    public async Task CreateReturnsFalseWhenTheLoginIsTakenEvenInAnotherTenant()
    {
        var (acme, acmeOwner) = await CreateTenantAsync("owner@acme.test");
        var (globex, _) = await CreateTenantAsync("owner@globex.test");
        var duplicate = NewUser(globex.Id, "owner@acme.test");
        duplicate.SecretVerifier = "$sha256$other";

        Assert.False(await Users(u => u.CreateAsync(duplicate, CancellationToken.None)));

        Assert.Null(await Users(globex.Id, u => u.FindAsync(globex.Id, duplicate.Id, CancellationToken.None)));
        var kept = await Users(u => u.FindByLoginAsync("owner@acme.test", CancellationToken.None));
        Assert.NotNull(kept);
        Assert.Equal(acmeOwner.Id, kept.Id);
        Assert.Equal(acme.Id, kept.TenantId);
        Assert.Equal(acmeOwner.SecretVerifier, kept.SecretVerifier);
    }

    [Fact]
    public async Task ListReturnsOnlyTheTenantsUsersOfTheAskedKind()
    {
        var (acme, acmeOwner) = await CreateTenantAsync("owner@acme.test");
        var (globex, _) = await CreateTenantAsync("owner@globex.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        var bot = await CreateUserAsync(acme.Id, "lkm_acme000000000001", UserKind.Machine);
        await CreateUserAsync(globex.Id, "member@globex.test");
        await CreateUserAsync(globex.Id, "lkm_globex0000000001", UserKind.Machine);

        var humans = await Users(acme.Id, u => u.ListAsync(acme.Id, UserKind.Human, PageRequest.First(), CancellationToken.None));
        var machines = await Users(acme.Id, u => u.ListAsync(acme.Id, UserKind.Machine, PageRequest.First(), CancellationToken.None));

        Assert.Equal(new[] { acmeOwner.Id, member.Id }.Order(), humans.Select(u => u.Id).Order());
        Assert.Equal([bot.Id], machines.Select(u => u.Id));
    }

    [Fact]
    public async Task ListOfATenantWithoutUsersOfThatKindIsEmpty()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");

        Assert.Empty(await Users(acme.Id, u => u.ListAsync(acme.Id, UserKind.Machine, PageRequest.First(), CancellationToken.None)));
    }

    [Fact]
    public async Task UpdateVerifierReplacesTheVerifierOfThatUserOnly()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");

        Assert.True(await Users(u => u.UpdateVerifierAsync(owner.Id, owner.SecretVerifier, "$argon2id$v=19$m=65536,t=3,p=1$bmV3c2FsdA$bmV3aGFzaA", CancellationToken.None)));

        var updated = await Users(acme.Id, u => u.FindAsync(acme.Id, owner.Id, CancellationToken.None));
        Assert.Equal("$argon2id$v=19$m=65536,t=3,p=1$bmV3c2FsdA$bmV3aGFzaA", updated?.SecretVerifier);
        var untouched = await Users(acme.Id, u => u.FindAsync(acme.Id, member.Id, CancellationToken.None));
        Assert.Equal(member.SecretVerifier, untouched?.SecretVerifier);
    }

    [Fact]
    public async Task UpdateVerifierReturnsFalseForAnUnknownUser()
    {
        await CreateTenantAsync("owner@acme.test");

        Assert.False(await Users(u => u.UpdateVerifierAsync(Guid.NewGuid(), "$sha256$y", "$sha256$x", CancellationToken.None)));
    }

    [Fact]
    public async Task UpdateVerifierLeavesAVerifierChangedSinceItWasReadAlone()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        await Users(acme.Id, u => u.ChangeSecretAsync(owner.Id, "$sha256$changed", null, CredentialEndReason.PasswordChanged, CancellationToken.None));

        var rehashed = await Users(u => u.UpdateVerifierAsync(owner.Id, owner.SecretVerifier, "$sha256$rehash-of-the-old-one", CancellationToken.None));

        Assert.False(rehashed);
        Assert.Equal("$sha256$changed", (await Users(acme.Id, u => u.FindAsync(acme.Id, owner.Id, CancellationToken.None)))?.SecretVerifier);
    }

    [Fact]
    public async Task ChangeSecretReplacesTheVerifierAndEndsEverySessionOfTheUserButTheKeptOne()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        await CreateSessionAsync(owner, "app-phone");
        var current = await CreateSessionAsync(owner, "app-laptop");
        await CreateSessionAsync(owner, "app-tablet");
        var othersSession = await CreateSessionAsync(member, "app-phone");

        Assert.True(await Users(owner.TenantId, u => u.ChangeSecretAsync(owner.Id, "$argon2id$changed", current.Id, CredentialEndReason.PasswordChanged, CancellationToken.None)));

        Assert.Equal("$argon2id$changed", (await Users(acme.Id, u => u.FindAsync(acme.Id, owner.Id, CancellationToken.None)))?.SecretVerifier);
        Assert.Equal([current.Id], (await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None))).Select(s => s.Id));
        Assert.Equal([othersSession.Id], (await Sessions(member.TenantId, s => s.ListAsync(member.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None))).Select(s => s.Id));
    }

    [Fact]
    public async Task ChangeSecretWithoutAKeptSessionEndsEverySessionOfTheUser()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        await CreateSessionAsync(owner, "app-phone");
        await CreateSessionAsync(owner, "app-laptop");
        var othersSession = await CreateSessionAsync(member, "app-phone");

        Assert.True(await Users(owner.TenantId, u => u.ChangeSecretAsync(owner.Id, "$argon2id$changed", null, CredentialEndReason.PasswordChanged, CancellationToken.None)));

        Assert.Empty(await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None)));
        Assert.Equal([othersSession.Id], (await Sessions(member.TenantId, s => s.ListAsync(member.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None))).Select(s => s.Id));
    }

    [Fact]
    public async Task ChangeSecretReturnsFalseForAnUnknownUser()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");

        Assert.False(await Users(acme.Id, u => u.ChangeSecretAsync(Guid.NewGuid(), "$sha256$x", null, CredentialEndReason.PasswordChanged, CancellationToken.None)));
    }

    [Fact]
    public async Task ChangeSecretInAnotherTenantsScopeChangesNothing()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var (globex, globexOwner) = await CreateTenantAsync("owner@globex.test");
        var globexSession = await CreateSessionAsync(globexOwner, "app-phone");

        Assert.False(await Users(acme.Id, u => u.ChangeSecretAsync(globexOwner.Id, "$sha256$hijacked", null, CredentialEndReason.PasswordChanged, CancellationToken.None)));

        Assert.Equal(globexOwner.SecretVerifier, (await Users(globex.Id, u => u.FindAsync(globex.Id, globexOwner.Id, CancellationToken.None)))?.SecretVerifier);
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(globexSession.KeyId, CancellationToken.None)));
    }

    [Fact]
    public async Task DeleteRemovesTheUserAndItsSessionsOnly()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        var memberSession = await CreateSessionAsync(member, "app-phone");
        await CreateSessionAsync(member, "app-laptop");
        var ownerSession = await CreateSessionAsync(owner, "app-phone");

        Assert.Equal(UserChange.Done, await Users(acme.Id, u => u.DeleteAsync(acme.Id, member.Id, member.Role, CancellationToken.None)));

        Assert.Null(await Users(acme.Id, u => u.FindAsync(acme.Id, member.Id, CancellationToken.None)));
        Assert.Null(await Users(u => u.FindByLoginAsync("member@acme.test", CancellationToken.None)));
        Assert.Null(await Sessions(s => s.FindByKeyIdAsync(memberSession.KeyId, CancellationToken.None)));
        Assert.Equal(1, await CountAsync<AppSession>());
        Assert.Equal([ownerSession.Id], (await Sessions(owner.TenantId, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None))).Select(s => s.Id));
    }

    [Fact]
    public async Task DeleteReturnsNotFoundForAUserOfAnotherTenantAndKeepsItAndItsSessions()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var (globex, globexOwner) = await CreateTenantAsync("owner@globex.test");
        var globexSession = await CreateSessionAsync(globexOwner, "app-phone");

        Assert.Equal(UserChange.NotFound, await Users(acme.Id, u => u.DeleteAsync(acme.Id, globexOwner.Id, globexOwner.Role, CancellationToken.None)));

        Assert.NotNull(await Users(globex.Id, u => u.FindAsync(globex.Id, globexOwner.Id, CancellationToken.None)));
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(globexSession.KeyId, CancellationToken.None)));
    }

    [Fact]
    public async Task RecordLastUseOnlyMovesLastUsedAtForward()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");

        await Users(u => u.RecordLastUseAsync([new(owner.Id, Now), new(member.Id, Now.AddHours(-2))], CancellationToken.None));
        Assert.Equal(Now, await LastUsedAtAsync(owner.Id));
        Assert.Equal(Now.AddHours(-2), await LastUsedAtAsync(member.Id));

        await Users(u => u.RecordLastUseAsync([new(owner.Id, Now.AddMinutes(-1)), new(member.Id, Now.AddHours(-1))], CancellationToken.None));
        Assert.Equal(Now, await LastUsedAtAsync(owner.Id));
        Assert.Equal(Now.AddHours(-1), await LastUsedAtAsync(member.Id));

        async Task<DateTimeOffset?> LastUsedAtAsync(Guid userId) =>
            (await Users(acme.Id, u => u.FindAsync(acme.Id, userId, CancellationToken.None)))?.LastUsedAt;
    }

    [Fact]
    public async Task RecordLastUseIgnoresAnUnknownUser()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");

        await Users(u => u.RecordLastUseAsync([new(Guid.NewGuid(), Now), new(owner.Id, Now)], CancellationToken.None));

        Assert.Equal(Now, (await Users(acme.Id, u => u.FindAsync(acme.Id, owner.Id, CancellationToken.None)))?.LastUsedAt);
        Assert.Equal(1, await CountAsync<User>());
    }

    [Fact]
    public async Task QueriesInAScopeWithoutATenantFindNothing()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        await CreateUserAsync(acme.Id, "lkm_acme000000000001", UserKind.Machine);

        Assert.Null(await Users(u => u.FindAsync(acme.Id, owner.Id, CancellationToken.None)));
        Assert.Empty(await Users(u => u.ListAsync(acme.Id, UserKind.Human, PageRequest.First(), CancellationToken.None)));
        Assert.Empty(await Users(u => u.ListAsync(acme.Id, UserKind.Machine, PageRequest.First(), CancellationToken.None)));
        Assert.Empty(await Users(u => u.ListHumansAsync(acme.Id, PageRequest.First(), CancellationToken.None)));
        Assert.Equal(UserChange.NotFound, await Users(u => u.DeleteAsync(acme.Id, owner.Id, owner.Role, CancellationToken.None)));
        Assert.Equal(UserChange.NotFound, await Users(u => u.UpdateAccessAsync(acme.Id, owner.Id, UserAccess.Of(owner), new(TenantRole.Member, true), CancellationToken.None)));
        Assert.NotNull(await Users(acme.Id, u => u.FindAsync(acme.Id, owner.Id, CancellationToken.None)));
    }

    [Fact]
    public async Task QueriesInOneTenantsScopeSeeNothingOfAnotherEvenWhenAskedForIt()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var (globex, globexOwner) = await CreateTenantAsync("owner@globex.test");
        await CreateUserAsync(globex.Id, "lkm_globex0000000001", UserKind.Machine);

        Assert.Null(await Users(acme.Id, u => u.FindAsync(globex.Id, globexOwner.Id, CancellationToken.None)));
        Assert.Empty(await Users(acme.Id, u => u.ListAsync(globex.Id, UserKind.Human, PageRequest.First(), CancellationToken.None)));
        Assert.Empty(await Users(acme.Id, u => u.ListAsync(globex.Id, UserKind.Machine, PageRequest.First(), CancellationToken.None)));
        Assert.Empty(await Users(acme.Id, u => u.ListHumansAsync(globex.Id, PageRequest.First(), CancellationToken.None)));
        Assert.Equal(UserChange.NotFound, await Users(acme.Id, u => u.DeleteAsync(globex.Id, globexOwner.Id, globexOwner.Role, CancellationToken.None)));
        Assert.Equal(UserChange.NotFound,
            await Users(acme.Id, u => u.UpdateAccessAsync(globex.Id, globexOwner.Id, UserAccess.Of(globexOwner), new(TenantRole.Member, true), CancellationToken.None)));
        var untouched = await Users(globex.Id, u => u.FindAsync(globex.Id, globexOwner.Id, CancellationToken.None));
        Assert.Equal(TenantRole.Owner, untouched?.Role);
        Assert.False(untouched?.Disabled);
    }

    [Fact]
    public async Task ListAndListHumansPageNewestFirstByCursorWithoutRepeatsOrGaps()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var humans = new List<Guid>();
        var machines = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var human = NewUser(acme.Id, $"person{i}@acme.test");
            human.Id = Guid.CreateVersion7(Now.AddMinutes(i));
            var machine = NewUser(acme.Id, $"lkm_acme00000000000{i}", UserKind.Machine);
            machine.Id = Guid.CreateVersion7(Now.AddMinutes(i));
            Assert.True(await Users(u => u.CreateAsync(human, CancellationToken.None)));
            Assert.True(await Users(u => u.CreateAsync(machine, CancellationToken.None)));
            humans.Add(human.Id);
            machines.Add(machine.Id);
        }

        var firstHumans = await Users(acme.Id, u => u.ListHumansAsync(acme.Id, new PageRequest(null, 2), CancellationToken.None));
        var restHumans = await Users(acme.Id, u => u.ListHumansAsync(acme.Id, new PageRequest(firstHumans[^1].User.Id, 2), CancellationToken.None));
        var firstMachines = await Users(acme.Id, u => u.ListAsync(acme.Id, UserKind.Machine, new PageRequest(null, 2), CancellationToken.None));
        var restMachines = await Users(acme.Id, u => u.ListAsync(acme.Id, UserKind.Machine, new PageRequest(firstMachines[^1].Id, 2), CancellationToken.None));

        // Note: the owner was created with a random (version 4) id, so where it falls is not fixed; the order of the rest is.
        var listedHumans = firstHumans.Concat(restHumans).Select(h => h.User.Id).ToList();
        Assert.Equal(4, listedHumans.Distinct().Count());
        Assert.Equal([humans[2], humans[1], humans[0]], listedHumans.Where(id => id != owner.Id));
        Assert.Equal([machines[2], machines[1]], firstMachines.Select(m => m.Id));
        Assert.Equal([machines[0]], restMachines.Select(m => m.Id));
    }

    [Fact]
    public async Task ListHumansReturnsTheTenantsPeopleWithTheLatestUseOfAnyOfTheirSessions()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var (_, globexOwner) = await CreateTenantAsync("owner@globex.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        await CreateUserAsync(acme.Id, "lkm_acme000000000001", UserKind.Machine);
        await CreateSessionAsync(owner, "app-laptop", lastUsedAt: Now.AddMinutes(-5));
        await CreateSessionAsync(owner, "app-phone", lastUsedAt: Now.AddHours(-1));
        await CreateSessionAsync(globexOwner, "app-laptop", lastUsedAt: Now);

        var humans = await Users(acme.Id, u => u.ListHumansAsync(acme.Id, PageRequest.First(), CancellationToken.None));

        Assert.Equal(new[] { owner.Id, member.Id }.Order(), humans.Select(h => h.User.Id).Order());
        Assert.Equal(Now.AddMinutes(-5), humans.Single(h => h.User.Id == owner.Id).LastSessionUseAt);
        Assert.Null(humans.Single(h => h.User.Id == member.Id).LastSessionUseAt);
        Assert.Equal("member@acme.test", humans.Single(h => h.User.Id == member.Id).User.Login);
    }

    [Fact]
    public async Task UpdateAccessSetsTheRoleAndKeepsTheSessionsOfAnEnabledUser()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        var session = await CreateSessionAsync(member, "app-laptop");

        Assert.Equal(UserChange.Done, await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, member.Id, UserAccess.Of(member), new(TenantRole.Admin, false), CancellationToken.None)));

        Assert.Equal(TenantRole.Admin, (await Users(acme.Id, u => u.FindAsync(acme.Id, member.Id, CancellationToken.None)))?.Role);
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(session.KeyId, CancellationToken.None)));
    }

    [Fact]
    public async Task DisablingAUserDeletesEverySessionOfItAndNoOther()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        await CreateSessionAsync(member, "app-laptop");
        await CreateSessionAsync(member, "app-phone");
        var ownersSession = await CreateSessionAsync(owner, "app-laptop");

        Assert.Equal(UserChange.Done, await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, member.Id, UserAccess.Of(member), new(TenantRole.Member, true), CancellationToken.None)));

        Assert.True((await Users(acme.Id, u => u.FindAsync(acme.Id, member.Id, CancellationToken.None)))?.Disabled);
        Assert.Empty(await Sessions(acme.Id, s => s.ListAsync(member.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None)));
        Assert.Equal([ownersSession.Id], (await Sessions(acme.Id, s => s.ListAsync(owner.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None))).Select(s => s.Id));

        Assert.Equal(UserChange.Done, await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, member.Id, new(TenantRole.Member, true), new(TenantRole.Member, false), CancellationToken.None)));

        Assert.False((await Users(acme.Id, u => u.FindAsync(acme.Id, member.Id, CancellationToken.None)))?.Disabled);
        Assert.Empty(await Sessions(acme.Id, s => s.ListAsync(member.Id, Now, SessionIdleTimeout, PageRequest.First(), CancellationToken.None)));
    }

    [Theory]
    [InlineData("admin", false)]
    [InlineData("member", false)]
    [InlineData("owner", true)]
    public async Task UpdateAccessRefusesToLeaveTheTenantWithoutAnEnabledOwner(string roleName, bool disabled)
    {
        Assert.True(TenantRoles.TryParse([roleName], out var role));
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        await CreateUserAsync(acme.Id, "member@acme.test");
        var session = await CreateSessionAsync(owner, "app-laptop");

        Assert.Equal(UserChange.LastOwner, await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, owner.Id, UserAccess.Of(owner), new(role, disabled), CancellationToken.None)));

        var unchanged = await Users(acme.Id, u => u.FindAsync(acme.Id, owner.Id, CancellationToken.None));
        Assert.Equal(TenantRole.Owner, unchanged?.Role);
        Assert.False(unchanged?.Disabled);
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(session.KeyId, CancellationToken.None)));
    }

    [Fact]
    public async Task AnOwnerMayStepDownWhileAnotherEnabledOwnerRemains()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var second = NewUser(acme.Id, "second@acme.test", role: TenantRole.Owner);
        Assert.True(await Users(u => u.CreateAsync(second, CancellationToken.None)));

        Assert.Equal(UserChange.Done, await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, owner.Id, UserAccess.Of(owner), new(TenantRole.Member, false), CancellationToken.None)));
        Assert.Equal(UserChange.LastOwner, await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, second.Id, UserAccess.Of(second), new(TenantRole.Owner, true), CancellationToken.None)));
    }

    [Fact]
    public async Task TwoOwnersDemotingEachOtherAtOnceLeaveTheTenantWithAnOwner()
    {
        // Note: a race, so run many times; each round both changes start together in scopes of their own.
        for (var round = 0; round < 20; round++)
        {
            var (acme, owner) = await CreateTenantAsync($"owner{round}@acme.test");
            var second = NewUser(acme.Id, $"second{round}@acme.test", role: TenantRole.Owner);
            Assert.True(await Users(u => u.CreateAsync(second, CancellationToken.None)));

            var changes = await Task.WhenAll(
                Task.Run(() => Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, owner.Id, UserAccess.Of(owner), new(TenantRole.Member, false), CancellationToken.None))),
                Task.Run(() => Users(acme.Id, u => u.DeleteAsync(acme.Id, second.Id, second.Role, CancellationToken.None))));

            Assert.Equal([UserChange.Done, UserChange.LastOwner], changes.Order());
            var remaining = await Users(acme.Id, u => u.ListAsync(acme.Id, UserKind.Human, PageRequest.First(), CancellationToken.None));
            Assert.Single(remaining, u => u.Role == TenantRole.Owner && !u.Disabled);
        }
    }

    [Fact]
    public async Task UpdateAccessOfAUserChangedSinceItWasReadIsAConflictAndChangesNothing()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        var session = await CreateSessionAsync(member, "app-laptop");
        Assert.Equal(UserChange.Done, await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, member.Id, UserAccess.Of(member), new(TenantRole.Owner, false), CancellationToken.None)));

        var stale = await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, member.Id, UserAccess.Of(member), new(TenantRole.Member, true), CancellationToken.None));

        Assert.Equal(UserChange.Conflict, stale);
        var unchanged = await Users(acme.Id, u => u.FindAsync(acme.Id, member.Id, CancellationToken.None));
        Assert.Equal(new UserAccess(TenantRole.Owner, false), UserAccess.Of(unchanged!));
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(session.KeyId, CancellationToken.None)));
    }

    [Fact]
    public async Task DeleteOfAUserWhoseRoleChangedSinceItWasReadIsAConflictAndDeletesNothing()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var member = await CreateUserAsync(acme.Id, "member@acme.test");
        Assert.Equal(UserChange.Done, await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, member.Id, UserAccess.Of(member), new(TenantRole.Owner, false), CancellationToken.None)));

        Assert.Equal(UserChange.Conflict, await Users(acme.Id, u => u.DeleteAsync(acme.Id, member.Id, TenantRole.Member, CancellationToken.None)));

        Assert.Equal(TenantRole.Owner, (await Users(acme.Id, u => u.FindAsync(acme.Id, member.Id, CancellationToken.None)))?.Role);
    }

    [Fact]
    public async Task AnAdminsChangeAndAnOwnersPromotionOfOneMemberAtOnceNeverBothLand()
    {
        // Note: both read the member first, as both requests do before checking their role rules; a barrier then lets
        // both changes go at once, in scopes of their own. Whichever comes second finds the member changed.
        for (var round = 0; round < 9; round++)
        {
            var (acme, _) = await CreateTenantAsync($"owner{round}@acme.test");
            var member = await CreateUserAsync(acme.Id, $"member{round}@acme.test");
            var seen = await Users(acme.Id, u => u.FindAsync(acme.Id, member.Id, CancellationToken.None));
            var seenByAdmin = await Users(acme.Id, u => u.FindAsync(acme.Id, member.Id, CancellationToken.None));
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var promotion = Task.Run(async () =>
            {
                await go.Task;
                return await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, member.Id, UserAccess.Of(seen!), new(TenantRole.Owner, false), CancellationToken.None));
            });
            var adminsChange = Task.Run(async () =>
            {
                await go.Task;
                return await Users(acme.Id, u => (round % 3) switch
                {
                    0 => u.UpdateAccessAsync(acme.Id, member.Id, UserAccess.Of(seenByAdmin!), new(TenantRole.Member, true), CancellationToken.None),
                    1 => u.UpdateAccessAsync(acme.Id, member.Id, UserAccess.Of(seenByAdmin!), new(TenantRole.Admin, false), CancellationToken.None),
                    _ => u.DeleteAsync(acme.Id, member.Id, seenByAdmin!.Role, CancellationToken.None),
                });
            });
            go.SetResult();
            var (promoted, changed) = (await promotion, await adminsChange);

            // Note: a promotion that comes after the admin's deletion finds nobody to promote.
            var second = round % 3 == 2 && changed == UserChange.Done ? UserChange.NotFound : UserChange.Conflict;
            Assert.Equal([UserChange.Done, second], new[] { promoted, changed }.Order());
            var after = await Users(acme.Id, u => u.FindAsync(acme.Id, member.Id, CancellationToken.None));
            if (promoted == UserChange.Done)
            {
                Assert.Equal(new UserAccess(TenantRole.Owner, false), UserAccess.Of(after!));
            }
            else
            {
                Assert.True(after is null || after.Role != TenantRole.Owner);
            }
        }
    }

    [Fact]
    public async Task ADisabledOwnerDoesNotCountAsTheOwnerThatRemains()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var dormant = NewUser(acme.Id, "dormant@acme.test", role: TenantRole.Owner);
        dormant.Disabled = true;
        Assert.True(await Users(u => u.CreateAsync(dormant, CancellationToken.None)));

        Assert.Equal(UserChange.LastOwner, await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, owner.Id, UserAccess.Of(owner), new(TenantRole.Admin, false), CancellationToken.None)));
        Assert.Equal(UserChange.LastOwner, await Users(acme.Id, u => u.DeleteAsync(acme.Id, owner.Id, owner.Role, CancellationToken.None)));
        Assert.Equal(UserChange.Done, await Users(acme.Id, u => u.UpdateAccessAsync(acme.Id, dormant.Id, UserAccess.Of(dormant), new(TenantRole.Owner, false), CancellationToken.None)));
        Assert.Equal(UserChange.Done, await Users(acme.Id, u => u.DeleteAsync(acme.Id, owner.Id, owner.Role, CancellationToken.None)));
    }

    [Fact]
    public async Task DeleteRefusesTheLastEnabledOwnerAndKeepsItsSessions()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var session = await CreateSessionAsync(owner, "app-laptop");

        Assert.Equal(UserChange.LastOwner, await Users(acme.Id, u => u.DeleteAsync(acme.Id, owner.Id, owner.Role, CancellationToken.None)));

        Assert.NotNull(await Users(acme.Id, u => u.FindAsync(acme.Id, owner.Id, CancellationToken.None)));
        Assert.NotNull(await Sessions(s => s.FindByKeyIdAsync(session.KeyId, CancellationToken.None)));
    }
}
