using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Storage.Tests.Stores;

public abstract class TenantStoreContract : StoreContract
{
    [Fact]
    public async Task CreateWithOwnerStoresTheTenantAndItsOwner()
    {
        var tenant = NewTenant("Acme Ltd");
        var owner = NewUser(tenant.Id, "owner@acme.test", role: TenantRole.Owner);

        Assert.True(await Tenants(t => t.CreateWithOwnerAsync(tenant, owner, null, CancellationToken.None)));

        var found = await Tenants(tenant.Id, t => t.FindAsync(tenant.Id, CancellationToken.None));
        Assert.NotNull(found);
        Assert.Equal("Acme Ltd", found.Name);
        Assert.Equal("billing@acme.test", found.ContactEmail);
        Assert.Equal(tenant.CreatedAt, found.CreatedAt);
        var foundOwner = await Users(tenant.Id, u => u.FindAsync(tenant.Id, owner.Id, CancellationToken.None));
        Assert.NotNull(foundOwner);
        Assert.Equal("owner@acme.test", foundOwner.Login);
        Assert.Equal(TenantRole.Owner, foundOwner.Role);
    }

    [Fact]
    public async Task CreateWithOwnerStoresTheSignupEntryWithTheTenantOrNeither()
    {
        await CreateTenantAsync("owner@acme.test");
        var tenant = NewTenant("Globex");
        var owner = NewUser(tenant.Id, "owner@globex.test", role: TenantRole.Owner);
        var taken = NewTenant("Copycat");

        Assert.False(await Tenants(t => t.CreateWithOwnerAsync(taken, NewUser(taken.Id, "owner@acme.test", role: TenantRole.Owner),
            Entry(taken.Id), CancellationToken.None)));
        Assert.True(await Tenants(t => t.CreateWithOwnerAsync(tenant, owner, Entry(tenant.Id), CancellationToken.None)));

        Assert.Equal(1, await CountAsync<AuditEntry>());
        var stored = Assert.Single(await Audit(tenant.Id, a => a.ListAsync(tenant.Id, null, 10, CancellationToken.None)));
        Assert.Equal("signup", stored.Event);

        static AuditEntry Entry(Guid tenantId) => new() { Id = Guid.NewGuid(), TenantId = tenantId, At = Now, Event = "signup" };
    }

    [Fact]
    public async Task CreateWithOwnerReturnsFalseWhenTheOwnersLoginIsTakenAndLeavesNoTenantBehind()
    {
        var (first, firstOwner) = await CreateTenantAsync("owner@acme.test");
        var second = NewTenant("Copycat");
        var secondOwner = NewUser(second.Id, "owner@acme.test", role: TenantRole.Owner);

        Assert.False(await Tenants(t => t.CreateWithOwnerAsync(second, secondOwner, null, CancellationToken.None)));

        Assert.Null(await Tenants(second.Id, t => t.FindAsync(second.Id, CancellationToken.None)));
        Assert.Equal(1, await CountAsync<Tenant>());
        Assert.Equal(1, await CountAsync<User>());
        Assert.NotNull(await Tenants(first.Id, t => t.FindAsync(first.Id, CancellationToken.None)));
        var owner = await Users(u => u.FindByLoginAsync("owner@acme.test", CancellationToken.None));
        Assert.NotNull(owner);
        Assert.Equal(firstOwner.Id, owner.Id);
        Assert.Equal(first.Id, owner.TenantId);
    }

    [Fact]
    public async Task ARefusedCreateLeavesTheStoreUsableInTheSameScope()
    {
        await CreateTenantAsync("owner@acme.test");
        var refused = NewTenant("Copycat");
        var other = NewTenant("Globex");
        await using var scope = CreateScope();
        var tenants = scope.ServiceProvider.GetRequiredService<ITenantStore>();

        Assert.False(await tenants.CreateWithOwnerAsync(refused, NewUser(refused.Id, "owner@acme.test"), null, CancellationToken.None));
        Assert.True(await tenants.CreateWithOwnerAsync(other, NewUser(other.Id, "owner@globex.test"), null, CancellationToken.None));

        Assert.Null(await Tenants(refused.Id, t => t.FindAsync(refused.Id, CancellationToken.None)));
        Assert.NotNull(await Tenants(other.Id, t => t.FindAsync(other.Id, CancellationToken.None)));
        Assert.Equal(2, await CountAsync<Tenant>());
    }

    [Fact]
    public async Task FindReturnsNullForAnUnknownTenant()
    {
        await CreateTenantAsync("owner@acme.test");

        var unknown = Guid.NewGuid();

        Assert.Null(await Tenants(unknown, t => t.FindAsync(unknown, CancellationToken.None)));
    }

    [Fact]
    public async Task FindInAScopeWithoutATenantFindsNothing()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");

        Assert.Null(await Tenants(t => t.FindAsync(acme.Id, CancellationToken.None)));
    }

    [Fact]
    public async Task FindInAnotherTenantsScopeFindsNothing()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var (globex, _) = await CreateTenantAsync("owner@globex.test");

        Assert.Null(await Tenants(acme.Id, t => t.FindAsync(globex.Id, CancellationToken.None)));
    }

    [Fact]
    public async Task UpdateSetsTheNameAndContactEmail()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");

        Assert.True(await Tenants(acme.Id, t => t.UpdateAsync(acme.Id, "Acme Holdings", "security@acme.test", CancellationToken.None)));

        var found = await Tenants(acme.Id, t => t.FindAsync(acme.Id, CancellationToken.None));
        Assert.Equal("Acme Holdings", found?.Name);
        Assert.Equal("security@acme.test", found?.ContactEmail);
        Assert.Equal(acme.CreatedAt, found?.CreatedAt);
    }

    [Fact]
    public async Task UpdateWithoutAContactEmailClearsIt()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");

        Assert.True(await Tenants(acme.Id, t => t.UpdateAsync(acme.Id, "Acme", null, CancellationToken.None)));

        Assert.Null((await Tenants(acme.Id, t => t.FindAsync(acme.Id, CancellationToken.None)))?.ContactEmail);
    }

    [Fact]
    public async Task UpdateInAnotherTenantsScopeChangesNothing()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var (globex, _) = await CreateTenantAsync("owner@globex.test");

        Assert.False(await Tenants(acme.Id, t => t.UpdateAsync(globex.Id, "Hijacked", "evil@example.test", CancellationToken.None)));

        var untouched = await Tenants(globex.Id, t => t.FindAsync(globex.Id, CancellationToken.None));
        Assert.Equal("Acme", untouched?.Name);
        Assert.Equal("billing@acme.test", untouched?.ContactEmail);
    }
}
