using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Storage.Tests.Stores;

/// <summary>
/// The request path's read on a cache miss (<see cref="ICredentialLookup"/>, without EF Core) reads what the EF Core
/// stores read, column for column.
/// </summary>
public abstract class CredentialLookupContract : StoreContract
{
    private protected ICredentialLookup Lookup(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<ICredentialLookup>();

    [Fact]
    public async Task ASessionIsReadWithEveryColumnTheCheckNeeds()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var session = NewSession(owner, "app-laptop");
        session.Amr = "pwd otp";
        session.AuthTime = Now.AddMinutes(-3);
        session.EnrolmentOnly = true;
        await Sessions(s => s.ReplaceAsync(session, SessionBound, SessionIdleTimeout, CancellationToken.None));
        // Note: a login that read the user before a password change and inserts its session after it (superseded).
        var superseded = NewSession(owner, "app-tablet");
        await Users(acme.Id, u => u.ChangeSecretAsync(owner.Id, "$argon2id$changed", session.Id, CredentialEndReason.PasswordChanged, CancellationToken.None));
        await Sessions(s => s.ReplaceAsync(superseded, SessionBound, SessionIdleTimeout, CancellationToken.None));

        // Note: the tenant's own session limits ride along in the same read.
        await Scoped<ITenantPolicyStore, bool>(acme.Id, async p =>
        {
            await p.SetAsync(new TenantPolicy { TenantId = acme.Id, SessionAbsoluteLifetimeSeconds = 7200, SessionIdleTimeoutSeconds = 600 }, CancellationToken.None);
            return true;
        });

        await using var scope = CreateScope();
        var found = await Lookup(scope).FindSessionAsync(session.KeyId, CancellationToken.None);
        Assert.NotNull(found);
        var row = found.Value;
        var expected = (await Sessions(s => s.FindByKeyIdAsync(session.KeyId, CancellationToken.None)))!;

        Assert.Equal(
            new SessionRow(expected.SessionId, expected.AppId, expected.KeyDigest, expected.LastUsedAt, expected.ExpiresAt,
                expected.CreatedAt!.Value, expected.Amr, expected.AuthTime, expected.EnrolmentOnly, expected.UserId, expected.TenantId,
                expected.Login, expected.Kind, expected.Role, expected.Scopes, expected.Disabled, expected.Superseded,
                expected.PolicyAbsoluteLifetimeSeconds, expected.PolicyIdleTimeoutSeconds, expected.MustChangePassword) with { KeyDigest = row.KeyDigest },
            row);
        Assert.Equal(session.KeyDigest, row.KeyDigest);
        Assert.Equal((session.Id, "pwd otp", Now.AddMinutes(-3), true, TenantRole.Owner), (row.SessionId, row.Amr, row.AuthTime, row.EnrolmentOnly, row.Role));
        Assert.True((await Lookup(scope).FindSessionAsync(superseded.KeyId, CancellationToken.None))?.Superseded);
        Assert.False(row.Superseded);
        Assert.Equal((7200L, 600L), (row.PolicyAbsoluteLifetimeSeconds, row.PolicyIdleTimeoutSeconds));
    }

    [Fact]
    public async Task APasswordThePersonChoseClearsMustChangePasswordAndOneAnAdminSetKeepsIt()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var member = NewUser(acme.Id, "member@acme.test");
        member.MustChangePassword = true;
        Assert.True(await Users(u => u.CreateAsync(member, CancellationToken.None)));
        var session = await CreateSessionAsync(member, "app-laptop");
        Assert.True(await MustChangePasswordAsync(session.KeyId));

        await Users(acme.Id, u => u.ChangeSecretAsync(member.Id, "$argon2id$by-admin", null, CredentialEndReason.PasswordReset, CancellationToken.None));
        Assert.True((await Users(acme.Id, u => u.FindAsync(acme.Id, member.Id, CancellationToken.None)))?.MustChangePassword);

        await Users(acme.Id, u => u.ChangeSecretAsync(
            member.Id, "$argon2id$own", null, CredentialEndReason.PasswordChanged, chosenByPerson: true, CancellationToken.None));
        Assert.False((await Users(acme.Id, u => u.FindAsync(acme.Id, member.Id, CancellationToken.None)))?.MustChangePassword);
        var fresh = await CreateSessionAsync(member, "app-laptop-2");
        Assert.False(await MustChangePasswordAsync(fresh.KeyId));
    }

    /// <summary>The flag as both reads of a session's credential see it (the request path's lookup and the store's).</summary>
    private async Task<bool> MustChangePasswordAsync(string keyId)
    {
        await using var scope = CreateScope();
        var row = (await Lookup(scope).FindSessionAsync(keyId, CancellationToken.None))!.Value;
        var credential = (await Sessions(s => s.FindByKeyIdAsync(keyId, CancellationToken.None)))!;
        Assert.Equal(row.MustChangePassword, credential.MustChangePassword);
        return row.MustChangePassword;
    }

    [Fact]
    public async Task AMachineUserIsReadWithEveryColumnTheCheckNeedsAndAPersonIsNot()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var machine = NewUser(acme.Id, TokenFormat.NewPublicPart(), UserKind.Machine, TenantRole.Admin);
        machine.SecretVerifier = "$sha256$current";
        machine.TokenExpiresAt = Now.AddDays(90);
        machine.LastUsedAt = Now.AddHours(-2);
        Assert.True(await Users(u => u.CreateAsync(machine, CancellationToken.None)));
        Assert.True(await Users(acme.Id, u => u.RotateMachineTokenAsync(machine.Id, "$sha256$next", Now.AddDays(100), Now.AddHours(1), CancellationToken.None)));

        await using var scope = CreateScope();
        var found = await Lookup(scope).FindMachineUserAsync(machine.Login, CancellationToken.None);
        Assert.NotNull(found);
        var row = found.Value;
        var expected = (await Users(u => u.FindByLoginAsync(machine.Login, CancellationToken.None)))!;

        Assert.Equal(new MachineUserRow(expected.Id, expected.TenantId, expected.Login, expected.Role, expected.Scopes, expected.Disabled,
            expected.SecretVerifier, expected.LastUsedAt, expected.TokenExpiresAt, expected.PreviousSecretVerifier,
            expected.PreviousSecretSince, expected.PreviousSecretUntil), row);
        Assert.Equal(("$sha256$next", "$sha256$current", Now.AddHours(1)), (row.SecretVerifier, row.PreviousSecretVerifier, row.PreviousSecretUntil));
        Assert.Null(await Lookup(scope).FindMachineUserAsync(owner.Login, CancellationToken.None));
    }

    [Fact]
    public async Task AnUnknownPublicPartReadsNothingAndIsCounted()
    {
        await CreateTenantAsync("owner@acme.test");
        await using var scope = CreateScope();
        var lookup = Lookup(scope);
        var before = lookup.Reads;

        Assert.Null(await lookup.FindSessionAsync(TokenFormat.NewPublicPart(), CancellationToken.None));
        Assert.Null(await lookup.FindMachineUserAsync(TokenFormat.NewPublicPart(), CancellationToken.None));

        Assert.Equal(before + 2, lookup.Reads);
    }
}
