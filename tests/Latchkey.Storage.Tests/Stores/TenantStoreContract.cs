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

        Assert.True(await Tenants(t => t.CreateWithOwnerAsync(tenant, owner, CancellationToken.None)));

        var found = await Tenants(t => t.FindAsync(tenant.Id, CancellationToken.None));
        Assert.NotNull(found);
        Assert.Equal("Acme Ltd", found.Name);
        Assert.Equal("billing@acme.test", found.ContactEmail);
        Assert.Equal(tenant.CreatedAt, found.CreatedAt);
        var foundOwner = await Users(u => u.FindAsync(tenant.Id, owner.Id, CancellationToken.None));
        Assert.NotNull(foundOwner);
        Assert.Equal("owner@acme.test", foundOwner.Login);
        Assert.Equal(TenantRole.Owner, foundOwner.Role);
    }

    [Fact]
    public async Task CreateWithOwnerReturnsFalseWhenTheOwnersLoginIsTakenAndLeavesNoTenantBehind()
    {
        var (first, firstOwner) = await CreateTenantAsync("owner@acme.test");
        var second = NewTenant("Copycat");
        var secondOwner = NewUser(second.Id, "owner@acme.test", role: TenantRole.Owner);

        Assert.False(await Tenants(t => t.CreateWithOwnerAsync(second, secondOwner, CancellationToken.None)));

        Assert.Null(await Tenants(t => t.FindAsync(second.Id, CancellationToken.None)));
        Assert.Equal(1, await CountAsync<Tenant>());
        Assert.Equal(1, await CountAsync<User>());
        Assert.NotNull(await Tenants(t => t.FindAsync(first.Id, CancellationToken.None)));
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

        Assert.False(await tenants.CreateWithOwnerAsync(refused, NewUser(refused.Id, "owner@acme.test"), CancellationToken.None));
        Assert.True(await tenants.CreateWithOwnerAsync(other, NewUser(other.Id, "owner@globex.test"), CancellationToken.None));

        Assert.Null(await Tenants(t => t.FindAsync(refused.Id, CancellationToken.None)));
        Assert.NotNull(await Tenants(t => t.FindAsync(other.Id, CancellationToken.None)));
        Assert.Equal(2, await CountAsync<Tenant>());
    }

    [Fact]
    public async Task FindReturnsNullForAnUnknownTenant()
    {
        await CreateTenantAsync("owner@acme.test");

        Assert.Null(await Tenants(t => t.FindAsync(Guid.NewGuid(), CancellationToken.None)));
    }
}
