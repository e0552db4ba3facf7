using Latchkey.Core.Model;

namespace Latchkey.Storage.Tests.Stores;

public abstract class AuditStoreContract : StoreContract
{
    [Fact]
    public async Task ListReturnsEveryFieldOfAnAppendedEntry()
    {
        var (acme, owner) = await CreateTenantAsync("owner@acme.test");
        var entry = NewEntry(acme.Id, AuditEvents.UserRoleChanged, actor: owner.Id);
        entry.SubjectUserId = Guid.NewGuid();
        entry.AppId = "app-laptop";
        entry.IpAddress = "2001:db8::7";
        entry.Detail = "member -> admin";

        await Audit(a => a.AppendAsync([entry], CancellationToken.None));

        var stored = Assert.Single(await Audit(acme.Id, a => a.ListAsync(acme.Id, null, 10, CancellationToken.None)));
        Assert.Equal(entry.Id, stored.Id);
        Assert.Equal(acme.Id, stored.TenantId);
        Assert.Equal(Now, stored.At);
        Assert.Equal(AuditEvents.UserRoleChanged, stored.Event);
        Assert.Equal(owner.Id, stored.ActorUserId);
        Assert.Equal(entry.SubjectUserId, stored.SubjectUserId);
        Assert.Equal("app-laptop", stored.AppId);
        Assert.Equal("2001:db8::7", stored.IpAddress);
        Assert.Equal("member -> admin", stored.Detail);
    }

    [Fact]
    public async Task ListIsNewestFirstInTheOrderOfAppendingEvenWithinOneInstant()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var entries = Enumerable.Range(0, 5).Select(i => NewEntry(acme.Id, $"event.{i}")).ToList();
        await Audit(a => a.AppendAsync(entries.Take(3).ToList(), CancellationToken.None));
        await Audit(a => a.AppendAsync(entries.Skip(3).ToList(), CancellationToken.None));

        var listed = await Audit(acme.Id, a => a.ListAsync(acme.Id, null, 10, CancellationToken.None));

        Assert.Equal(["event.4", "event.3", "event.2", "event.1", "event.0"], listed.Select(e => e.Event));
    }

    [Fact]
    public async Task ListPagesByLimitAndTheCursorOfTheLastEntrySeen()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var entries = Enumerable.Range(0, 5).Select(i => NewEntry(acme.Id, $"event.{i}")).ToList();
        await Audit(a => a.AppendAsync(entries, CancellationToken.None));

        var first = await Audit(acme.Id, a => a.ListAsync(acme.Id, null, 2, CancellationToken.None));
        var second = await Audit(acme.Id, a => a.ListAsync(acme.Id, first[^1].Id, 2, CancellationToken.None));
        var last = await Audit(acme.Id, a => a.ListAsync(acme.Id, second[^1].Id, 2, CancellationToken.None));

        Assert.Equal(["event.4", "event.3"], first.Select(e => e.Event));
        Assert.Equal(["event.2", "event.1"], second.Select(e => e.Event));
        Assert.Equal(["event.0"], last.Select(e => e.Event));
    }

    [Fact]
    public async Task ListReturnsOnlyTheTenantsEntries()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var (globex, _) = await CreateTenantAsync("owner@globex.test");
        await Audit(a => a.AppendAsync([NewEntry(acme.Id, "acme.event"), NewEntry(globex.Id, "globex.event")], CancellationToken.None));

        Assert.Equal(["acme.event"], (await Audit(acme.Id, a => a.ListAsync(acme.Id, null, 10, CancellationToken.None))).Select(e => e.Event));
        Assert.Empty(await Audit(acme.Id, a => a.ListAsync(globex.Id, null, 10, CancellationToken.None)));
    }

    [Fact]
    public async Task ACursorOfAnotherTenantOrNoEntryPagesNothing()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        var (globex, _) = await CreateTenantAsync("owner@globex.test");
        var acmeEntry = NewEntry(acme.Id, "acme.event");
        var globexEntry = NewEntry(globex.Id, "globex.event");
        await Audit(a => a.AppendAsync([acmeEntry, globexEntry], CancellationToken.None));

        Assert.Empty(await Audit(acme.Id, a => a.ListAsync(acme.Id, globexEntry.Id, 10, CancellationToken.None)));
        Assert.Empty(await Audit(acme.Id, a => a.ListAsync(acme.Id, Guid.NewGuid(), 10, CancellationToken.None)));
    }

    [Fact]
    public async Task ListInAScopeWithoutATenantFindsNothing()
    {
        var (acme, _) = await CreateTenantAsync("owner@acme.test");
        await Audit(a => a.AppendAsync([NewEntry(acme.Id, "acme.event")], CancellationToken.None));

        Assert.Empty(await Audit(a => a.ListAsync(acme.Id, null, 10, CancellationToken.None)));
        Assert.Equal(1, await CountAsync<AuditEntry>());
    }

    private static AuditEntry NewEntry(Guid tenantId, string eventName, Guid? actor = null) => new()
    {
        Id = Guid.NewGuid(),
        TenantId = tenantId,
        At = Now,
        Event = eventName,
        ActorUserId = actor,
    };
}
