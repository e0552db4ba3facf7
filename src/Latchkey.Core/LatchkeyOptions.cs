namespace Latchkey.Core;

/// <summary>App sessions' lifetimes (<c>Latchkey:Sessions</c>).</summary>
public sealed class LatchkeySessionOptions
{
    public const string Section = "Latchkey:Sessions";

    /// <summary>A session ends this long after login. Defaults to 30 days.</summary>
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A session ends after this long unused. Defaults to 7 days.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How often last use is recorded per session; capped at a tenth of <see cref="IdleTimeout"/>. Defaults to 1 minute.
    /// </summary>
    public TimeSpan LastUsedResolution { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Live sessions one user may have at once; a login beyond it ends the user's least recently used session (audited
    /// as <c>session.evicted</c>) rather than refusing the login. Defaults to 100.
    /// </summary>
    public int MaxPerUser { get; set; } = 100;

    /// <summary>The largest <see cref="MaxPerUser"/> accepted: a bound, not a way to switch the bound off.</summary>
    public const int MaxPerUserLimit = 10_000;

    /// <summary>How often expired sessions are swept from storage. Defaults to 5 minutes.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many expired rows one sweep statement deletes at most. Defaults to 500.</summary>
    public int CleanupBatchSize { get; set; } = 500;

    /// <summary>
    /// How long an ended credential's tombstone is kept, so that its holder is told why it stopped working (the 401's
    /// <c>reason</c>); after it, the 401 has no reason. Defaults to 30 days.
    /// </summary>
    public TimeSpan TombstoneLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The resolution in force: the configured one, never coarser than a tenth of the idle timeout.</summary>
    public TimeSpan EffectiveLastUsedResolution =>
        LastUsedResolution < IdleTimeout / 10 ? LastUsedResolution : IdleTimeout / 10;
}

/// <summary>Password policy and hashing (<c>Latchkey:Passwords</c>).</summary>
public sealed class LatchkeyPasswordOptions
{
    public const string Section = "Latchkey:Passwords";

    /// <summary>Minimum length in code points (NIST SP 800-63B-4: 15 for a single-factor password). Defaults to 15.</summary>
    public int MinLength { get; set; } = 15;

    /// <summary>Maximum length in code points (NIST asks for at least 64). Defaults to 256.</summary>
    public int MaxLength { get; set; } = 256;

    /// <summary>Argon2id passes (t). Defaults to 2, OWASP's floor with <see cref="Argon2MemoryKiB"/>.</summary>
    public int Argon2Iterations { get; set; } = 2;

    /// <summary>Argon2id memory in KiB (m). Defaults to 19456 (19 MiB), OWASP's floor. Parallelism is 1 (libsodium).</summary>
    public int Argon2MemoryKiB { get; set; } = 19456;
}

/// <summary>Self-service sign-up (<c>Latchkey:Registration</c>).</summary>
public sealed class LatchkeyRegistrationOptions
{
    public const string Section = "Latchkey:Registration";

    /// <summary>Whether <c>POST /v1/signup</c> is open to anyone. Defaults to true.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>
/// Per-login brute-force throttling (<c>Latchkey:Lockout</c>), counted per normalised login whether or not such a
/// user exists, so a 429 says nothing about which logins exist.
/// </summary>
public sealed class LatchkeyLockoutOptions
{
    public const string Section = "Latchkey:Lockout";

    /// <summary>Consecutive failures for one login before delays start. Defaults to 5.</summary>
    public int FreeAttempts { get; set; } = 5;

    /// <summary>The first delay; it doubles with each further failure. Defaults to 1 second.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The delay stops growing here. Defaults to 15 minutes.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Consecutive failures after which the login is locked until an admin unlocks it (NIST SP 800-63B-4 §3.2.2
    /// allows at most 100). Defaults to 100.
    /// </summary>
    public int MaxFailures { get; set; } = 100;

    /// <summary>A run of fewer than <see cref="FreeAttempts"/> failures is forgotten after this long quiet. Defaults to 1 day.</summary>
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Base64 of at least 32 random bytes, the same on every instance: failure counters are then keyed by an HMAC of
    /// the login rather than its plain SHA-256, so that a stolen database does not tell which strings people typed as
    /// a login (often a password). Changing it forgets all counters. Defaults to none.
    /// </summary>
    public string? LoginDigestKey { get; set; }

    /// <summary>How long the next attempt must wait after <paramref name="failures"/> consecutive failures.</summary>
    public TimeSpan DelayAfter(int failures)
    {
        if (failures < FreeAttempts)
        {
            return TimeSpan.Zero;
        }

        // Note: doubled in ticks, and the doubling stops once MaxDelay is reached, before it could overflow: a
        // multiplication first and a clamp after threw at the 45th failure (2^40 s is past TimeSpan.MaxValue), and that
        // login then answered 500 to every attempt. At most 63 doublings take any positive delay to any maximum.
        var limit = MaxDelay.Ticks;
        var ticks = Math.Min(BaseDelay.Ticks, limit);
        for (var doublings = (long)failures - FreeAttempts; doublings > 0 && ticks > 0 && ticks < limit; doublings--)
        {
            ticks = ticks > limit / 2 ? limit : ticks * 2;
        }

        return TimeSpan.FromTicks(Math.Max(ticks, 0));
    }
}

/// <summary>
/// Bounds on the CPU and memory that password hashing may take (<c>Latchkey:Hashing</c>). The queue is bounded by
/// time, not by a count: a waiting request holds almost no memory, only a running hash holds Argon2's.
/// </summary>
public sealed class LatchkeyHashingOptions
{
    public const string Section = "Latchkey:Hashing";

    /// <summary>Argon2 computations running at once. Defaults to the processor count.</summary>
    public int MaxConcurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// The longest expected wait for a hashing slot: a request is queued while its expected wait (its place in the
    /// queue × the measured hash time ÷ <see cref="MaxConcurrency"/>) stays under this, and answered 503 with
    /// <c>Retry-After</c> otherwise. A queued request that has waited twice this long (hashing slowed down after it
    /// was admitted) gets 503 then. Defaults to 10 seconds; at most 12.5 (a queued login's attempt must not look
    /// abandoned to the per-login throttle).
    /// </summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The verified-credential cache on the request path (<c>Latchkey:CredentialCache</c>); see docs/security.md for the
/// revocation guarantee it keeps.
/// </summary>
public sealed class LatchkeyCredentialCacheOptions
{
    public const string Section = "Latchkey:CredentialCache";

    /// <summary>
    /// Credentials kept at most (about 1.8 KB of memory each, docs/benchmarks.md); when full, the most used stay.
    /// Defaults to 250 000; 0 turns the cache off.
    /// </summary>
    /// <remarks>
    /// Note: the memory is taken only by credentials in use (an unknown or forged one is never stored here), so a
    /// deployment reaches the bound only with that many live credentials in use, where every entry less is a database
    /// read per use. In bench/cluster.sh's Zipf load over a million credentials, 100 000 entries kept 91.9 % of
    /// requests off the database and 250 000 kept 95.3 %: 42 % fewer reads, for about 1.8 KB of memory an entry.
    /// </remarks>
    public int MaxEntries { get; set; } = 250_000;

    /// <summary>
    /// How long an instance keeps trusting its cache after its last confirmed contact with the change feed, and so the
    /// longest a revoking call waits for an instance that does not confirm. Defaults to 2 seconds.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(2);
}
