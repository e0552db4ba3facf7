using System.Security.Cryptography;
using Latchkey.Core.Credentials;
using Latchkey.Core.Diagnostics;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Storage.Tests.Feeds;

/// <summary>
/// The reads of cache misses (<see cref="CredentialReads"/>) on instances whose change feeds run: one read for a storm
/// of misses on one credential, none for an unknown public part read just now, and again once a change is heard.
/// </summary>
public abstract class CredentialReadsContract : IAsyncLifetime
{
    private readonly List<FeedInstance> _instances = [];

    private protected abstract string Provider { get; }

    private protected string ConnectionString { get; set; } = "";

    public abstract Task InitializeAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
    }

    private async Task<FeedInstance> RunningInstanceAsync()
    {
        var instance = FeedInstance.Create(Provider, ConnectionString, TimeSpan.FromSeconds(2));
        _instances.Add(instance);
        await instance.StartAsync();
        return instance;
    }

    [Fact]
    public async Task ManyParallelFirstRequestsForOneCredentialMakeOneRead()
    {
        var instance = await RunningInstanceAsync();
        var session = await CreateSessionAsync(instance);
        var lookup = instance.Services.GetRequiredService<ICredentialLookup>();
        var held = new HeldLookup(lookup);
        var reads = new CredentialReads(held, instance.Cache, instance.Feed, new UnknownCredentials(TimeProvider.System),
            instance.Services.GetRequiredService<LatchkeyMetrics>());
        var before = lookup.Reads;

        // Note: the first read is held until every other request has joined it, so the storm overlaps whatever the load.
        var stamp = instance.Cache.Stamp();
        var storm = Enumerable.Range(0, 32).Select(_ => Task.Run(() => reads.FindSessionAsync(session.KeyId, stamp, CancellationToken.None).AsTask())).ToList();
        await FeedInstance.WaitUntilAsync(() => held.Arrived && reads.Joined == 31, "the requests never all joined the first read");
        held.Release();
        var rows = await Task.WhenAll(storm);

        Assert.Equal(1, lookup.Reads - before);
        Assert.All(rows, row => Assert.Equal(session.Id, row?.SessionId));
    }

    [Fact]
    public async Task AnUnknownKeyIsReadOnceUntilAChangeIsHeardFromAnotherInstance()
    {
        var reading = await RunningInstanceAsync();
        var changing = await RunningInstanceAsync();
        var lookup = reading.Services.GetRequiredService<ICredentialLookup>();
        var reads = ReadsOf(reading);
        var unknown = TokenFormat.NewPublicPart();
        var before = lookup.Reads;

        for (var i = 0; i < 20; i++)
        {
            Assert.Null(await reads.FindSessionAsync(unknown, reading.Cache.Stamp(), CancellationToken.None));
        }

        Assert.Equal(1, lookup.Reads - before);

        // Note: any change heard through the feed drops what the reads remembered as unknown.
        await changing.ChangeAsync(Guid.NewGuid());
        Assert.Null(await reads.FindSessionAsync(unknown, reading.Cache.Stamp(), CancellationToken.None));

        Assert.Equal(2, lookup.Reads - before);
    }

    [Fact]
    public async Task AKeyIssuedAfterAFloodOfUnknownOnesWorksAtOnceOnBothInstances()
    {
        var issuing = await RunningInstanceAsync();
        var other = await RunningInstanceAsync();
        var instances = new[] { (issuing, Reads: ReadsOf(issuing)), (other, Reads: ReadsOf(other)) };
        foreach (var (instance, reads) in instances)
        {
            for (var i = 0; i < 50; i++)
            {
                Assert.Null(await reads.FindSessionAsync(TokenFormat.NewPublicPart(), instance.Cache.Stamp(), CancellationToken.None));
            }
        }

        var session = await CreateSessionAsync(issuing);

        foreach (var (instance, reads) in instances)
        {
            Assert.Equal(session.Id, (await reads.FindSessionAsync(session.KeyId, instance.Cache.Stamp(), CancellationToken.None))?.SessionId);
        }
    }

    /// <summary>The reads as the request path composes them on <paramref name="instance"/> (AddLatchkeyCore registers them).</summary>
    private static CredentialReads ReadsOf(FeedInstance instance) => new(instance.Services.GetRequiredService<ICredentialLookup>(),
        instance.Cache, instance.Feed, new UnknownCredentials(TimeProvider.System), instance.Services.GetRequiredService<LatchkeyMetrics>());

    private static async Task<AppSession> CreateSessionAsync(FeedInstance instance)
    {
        var tenant = new Tenant { Id = Guid.NewGuid(), Name = "Acme", ContactEmail = "billing@acme.test", CreatedAt = DateTimeOffset.UtcNow };
        var owner = new User
        {
            Id = Guid.NewGuid(), TenantId = tenant.Id, Kind = UserKind.Human, Login = $"owner-{Guid.NewGuid():N}@acme.test",
            SecretVerifier = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", Role = TenantRole.Owner, CreatedAt = DateTimeOffset.UtcNow,
        };
        var keyId = TokenFormat.NewPublicPart();
        var session = new AppSession
        {
            Id = Guid.NewGuid(), UserId = owner.Id, TenantId = tenant.Id, AppId = "app-laptop", AppName = "laptop", KeyId = keyId,
            KeyDigest = SHA256.HashData(Guid.NewGuid().ToByteArray()), CreatedAt = DateTimeOffset.UtcNow,
            LastUsedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddDays(1),
        };
        await using var scope = instance.Services.CreateAsyncScope();
        Assert.True(await scope.ServiceProvider.GetRequiredService<ITenantStore>().CreateWithOwnerAsync(tenant, owner, null, CancellationToken.None));
        await scope.ServiceProvider.GetRequiredService<ISessionStore>().ReplaceAsync(session, 10, TimeSpan.FromDays(7), CancellationToken.None);
        return session;
    }

    /// <summary>The real lookup, its first session read held until <see cref="Release"/>.</summary>
    private sealed class HeldLookup(ICredentialLookup inner) : ICredentialLookup
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public bool Arrived => Volatile.Read(ref _calls) > 0;

        public long Reads => inner.Reads;

        public void Release() => _released.TrySetResult();

        public async ValueTask<SessionRow?> FindSessionAsync(string keyId, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                await _released.Task;
            }

            return await inner.FindSessionAsync(keyId, cancellationToken);
        }

        public ValueTask<MachineUserRow?> FindMachineUserAsync(string login, CancellationToken cancellationToken) =>
            inner.FindMachineUserAsync(login, cancellationToken);
    }
}
