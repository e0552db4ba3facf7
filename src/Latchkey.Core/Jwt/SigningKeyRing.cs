using System.Security.Cryptography;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Latchkey.Core.Jwt;

/// <summary>
/// The JWT signing keys as this instance sees them: the one that signs now and the ones published in the JWKS. Note:
/// the key that signs is chosen in the database (the newest generation whose signing period holds now), never per
/// process, so every instance signs with the same key; this instance re-reads the table every
/// <see cref="RefreshInterval"/> and at each scheduled change, and creates missing keys (the first, and each successor
/// one key lifetime ahead) with a generation number that the unique index lets only one instance insert.
/// </summary>
internal sealed class SigningKeyRing(IServiceScopeFactory scopes, ISigningKeyProtector protector, TimeProvider time, IOptions<LatchkeyJwtOptions> options)
{
    public const string Algorithm = SecurityAlgorithms.EcdsaSha256;

    /// <summary>
    /// How long an instance trusts what it read. Note: after an emergency rotation on another instance this one signs
    /// with the retired key for at most this long, which is why a retired key stays published this much longer.
    /// </summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(10);

    private readonly LatchkeyJwtOptions _options = options.Value;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile KeySet? _current;

    /// <summary>How long a retired key stays in the JWKS: one token lifetime, plus the time instances may lag.</summary>
    public TimeSpan PublishedAfterRetirement => _options.Lifetime + RefreshInterval;

    public async ValueTask<KeySet> GetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_current is { } known && now < known.RefreshAt)
        {
            return known;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            now = time.GetUtcNow();
            if (_current is { } loaded && now < loaded.RefreshAt)
            {
                return loaded;
            }

            var set = await LoadAsync(now, cancellationToken);
            _current = set;
            return set;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>
    /// Emergency rotation: the key that signs now stops at once, its published successor takes over, and a new successor
    /// is created. The retired key stays published one token lifetime, so tokens it signed still verify until they expire.
    /// </summary>
    /// <remarks>
    /// Audited: the rotation concerns every tenant's tokens, so each tenant's log gets one <c>jwt.key_rotated</c> entry
    /// naming <paramref name="operatorName"/> and the keys, in the same transaction as the rotation.
    /// </remarks>
    public async Task<KeySet> RotateNowAsync(string operatorName, CancellationToken cancellationToken)
    {
        await _loading.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();

            // Note: read (or on a fresh database create) the current key and its successor first, so that the entry
            // names the key that stops and the one that takes over.
            await LoadAsync(now, cancellationToken);
            await using (var scope = scopes.CreateAsyncScope())
            {
                var services = scope.ServiceProvider;
                var store = services.GetRequiredService<ISigningKeyStore>();
                var published = await store.ListAsync(now, cancellationToken);
                var retiring = published.Where(k => k.ActivatesAt <= now).Select(k => k.Kid).ToList();
                var successor = published.Where(k => k.ActivatesAt > now).MinBy(k => k.Generation)?.Kid;
                var detail = $"emergency rotation: {(retiring.Count == 0 ? "no key" : string.Join(", ", retiring))} retired, " +
                    $"{successor ?? "a new key"} signs";

                await using var transaction = await services.GetRequiredService<IUnitOfWork>().BeginAsync(cancellationToken);
                await store.RetireSigningAsync(now, _options.KeyLifetime, cancellationToken);
                var audit = services.GetRequiredService<AuditLog>();
                var tenants = await services.GetRequiredService<ITenantStore>().ListAllAsync(cancellationToken);
                await audit.RecordAsync(
                    tenants.Select(t => audit.Create(AuditEvents.JwtKeyRotated, t.Id, null, null, detail, operatorName: operatorName)).ToList(),
                    cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            var set = await LoadAsync(now, cancellationToken);
            _current = set;
            return set;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Forgets what was read, so that the next use reads the table again.</summary>
    public void Forget() => _current = null;

    private async Task<KeySet> LoadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ISigningKeyStore>();
        var keys = await store.ListAsync(now - PublishedAfterRetirement, cancellationToken);

        // Note: a few rounds at most: each round either finds what it needs or inserts it (or loses the race to an
        // instance that did, and then reads that instance's key).
        for (var round = 0; round < 4; round++)
        {
            var signing = Signing(keys, now);
            var next = keys.Where(k => k.ActivatesAt > now).MaxBy(k => k.Generation);
            if (signing is not null && next is not null)
            {
                return Build(keys, signing, next, now);
            }

            var generation = keys.Count == 0 ? 1 : keys.Max(k => k.Generation) + 1;
            var activatesAt = signing?.RetiresAt ?? now;
            await store.TryAddAsync(Create(generation, now, activatesAt), cancellationToken);
            if (signing is null)
            {
                await store.DeleteRetiredAsync(now - PublishedAfterRetirement, cancellationToken);
            }

            keys = await store.ListAsync(now - PublishedAfterRetirement, cancellationToken);
        }

        throw new InvalidOperationException("The JWT signing keys could not be settled (signing_keys keeps changing).");
    }

    private static SigningKey? Signing(IReadOnlyList<SigningKey> keys, DateTimeOffset now) =>
        keys.Where(k => k.ActivatesAt <= now && now < k.RetiresAt).MaxBy(k => k.Generation);

    private SigningKey Create(long generation, DateTimeOffset now, DateTimeOffset activatesAt)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var privateKey = ecdsa.ExportPkcs8PrivateKey();
        try
        {
            return new SigningKey
            {
                Id = Guid.CreateVersion7(now),
                Kid = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
                Generation = generation,
                Algorithm = Algorithm,
                PublicKey = ecdsa.ExportSubjectPublicKeyInfo(),
                ProtectedPrivateKey = protector.Protect(privateKey),
                CreatedAt = now,
                ActivatesAt = activatesAt,
                RetiresAt = activatesAt + _options.KeyLifetime,
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    private KeySet Build(IReadOnlyList<SigningKey> keys, SigningKey signing, SigningKey next, DateTimeOffset now)
    {
        var published = keys.Select(PublicJwk).ToList();

        // Note: read again at the next scheduled change (the successor takes over), or after the refresh interval.
        var refreshAt = new[] { now + RefreshInterval, signing.RetiresAt, next.ActivatesAt }.Where(t => t > now).Min();

        // Note: the same key as before keeps its credentials, so IdentityModel's cached signature provider stays warm.
        if (_current is { } previous && previous.SigningKid == signing.Kid)
        {
            return previous with { Published = published, RefreshAt = refreshAt };
        }

        var ecdsa = ECDsa.Create();
        var privateKey = protector.Unprotect(signing.ProtectedPrivateKey);
        try
        {
            ecdsa.ImportPkcs8PrivateKey(privateKey, out _);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }

        var credentials = new SigningCredentials(new ECDsaSecurityKey(ecdsa) { KeyId = signing.Kid }, Algorithm);
        return new KeySet(signing.Kid, credentials, published, refreshAt);
    }

    private static JsonWebKey PublicJwk(SigningKey key)
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(key.PublicKey, out _);
        var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
        return new JsonWebKey
        {
            Kty = JsonWebAlgorithmsKeyTypes.EllipticCurve,
            Crv = JsonWebKeyECTypes.P256,
            X = Base64UrlEncoder.Encode(parameters.Q.X),
            Y = Base64UrlEncoder.Encode(parameters.Q.Y),
            Kid = key.Kid,
            Alg = key.Algorithm,
            Use = JsonWebKeyUseNames.Sig,
        };
    }
}

/// <summary>What signs now (<see cref="Credentials"/>, named <see cref="SigningKid"/>) and what the JWKS publishes.</summary>
internal sealed record KeySet(string SigningKid, SigningCredentials Credentials, IReadOnlyList<JsonWebKey> Published, DateTimeOffset RefreshAt);
