using System.Diagnostics;
using System.Diagnostics.Metrics;
using Latchkey.Core.Services;

namespace Latchkey.Core.Diagnostics;

/// <summary>
/// Latchkey's instruments, on the meter <see cref="MeterName"/>, named after OpenTelemetry's semantic conventions
/// (docs/operations.md lists them). Nothing is exported unless the host asks: the server exports them through
/// OpenTelemetry's Prometheus endpoint; an application that embeds the library adds the meter to its own exporter.
/// </summary>
/// <remarks>
/// Note: these methods run on the request path. With nobody listening an instrument is disabled and a call costs a
/// field read; listened to, a call takes at most one tag, passed as a <see cref="KeyValuePair{TKey,TValue}"/> of a
/// constant string, so it allocates nothing.
/// </remarks>
internal sealed class LatchkeyMetrics
{
    public const string MeterName = "Latchkey";

    // Note: OpenTelemetry's default buckets are made for milliseconds; these are in seconds, from a cached check
    // (microseconds) up to one that waited on a busy database.
    private static readonly IReadOnlyList<double> AuthenticationBuckets =
        [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    // Note: from no wait up to twice the default queue timeout (10 s), the longest a queued request waits.
    private static readonly IReadOnlyList<double> HashingWaitBuckets =
        [0, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];

    private readonly Counter<long> _authentications;
    private readonly Histogram<double> _authenticationDuration;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _cacheMisses;
    private readonly Counter<long> _cacheEvictions;
    private readonly Counter<long> _cacheMissAnswers;
    private readonly Counter<long> _logins;
    private readonly UpDownCounter<long> _hashingQueueLength;
    private readonly Histogram<double> _hashingWait;
    private readonly Histogram<double> _hashingDuration;
    private readonly Counter<long> _hashingRefusals;
    private readonly Counter<long> _introspections;
    private readonly Counter<long> _jwtsIssued;

    public LatchkeyMetrics(IMeterFactory meterFactory)
    {
        // Note: from the host's factory, not a static Meter: each host (and each test host) has its own, and the
        // factory disposes it with the host.
        var meter = meterFactory.Create(MeterName);
        _authentications = meter.CreateCounter<long>("latchkey.authentications", "{authentication}",
            "Credentials (API keys, machine tokens, session cookies) checked on requests, by outcome.");
        _authenticationDuration = meter.CreateHistogram("latchkey.authentication.duration", "s",
            "How long checking a presented credential took, by whether the credential cache answered.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AuthenticationBuckets });
        _cacheHits = meter.CreateCounter<long>("latchkey.credential_cache.hits", "{lookup}",
            "Credential checks answered by the verified-credential cache.");
        _cacheMisses = meter.CreateCounter<long>("latchkey.credential_cache.misses", "{lookup}",
            "Credential checks the verified-credential cache could not answer (read from the database).");
        _cacheEvictions = meter.CreateCounter<long>("latchkey.credential_cache.evictions", "{entry}",
            "Entries removed from the verified-credential cache, by reason.");
        _cacheMissAnswers = meter.CreateCounter<long>("latchkey.credential_cache.miss_answers", "{lookup}",
            "How cache misses were answered: a database read, another request's read shared, or a public part just read as unknown.");
        _logins = meter.CreateCounter<long>("latchkey.logins", "{login}",
            "Password logins (POST /v1/login) that reached the account service, by outcome.");
        _hashingQueueLength = meter.CreateUpDownCounter<long>("latchkey.hashing.queue_length", "{request}",
            "Requests waiting for a password-hashing slot.");
        _hashingWait = meter.CreateHistogram("latchkey.hashing.wait", "s",
            "How long a request admitted to password hashing waited for its slot (0 when one was free).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HashingWaitBuckets });
        _hashingDuration = meter.CreateHistogram("latchkey.hashing.duration", "s",
            "How long each password-hashing slot was held: one Argon2id computation (or an imported hash's check).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HashingWaitBuckets });
        _hashingRefusals = meter.CreateCounter<long>("latchkey.hashing.refusals", "{request}",
            "Requests refused a password-hashing slot because the expected wait was over the queue timeout (503).");
        _introspections = meter.CreateCounter<long>("latchkey.introspections", "{request}",
            "Introspection requests (POST /v1/introspect, RFC 7662), by outcome.");
        _jwtsIssued = meter.CreateCounter<long>("latchkey.jwts.issued", "{token}",
            "Signed JWTs issued by POST /v1/token.");
    }

    /// <summary>An introspection request was answered; <paramref name="outcome"/> is one of <see cref="IntrospectionOutcomes"/>.</summary>
    public void Introspected(string outcome) => _introspections.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A JWT was signed and handed out.</summary>
    public void JwtIssued() => _jwtsIssued.Add(1);

    /// <summary>The <c>outcome</c> tag of <c>latchkey.introspections</c>.</summary>
    public static class IntrospectionOutcomes
    {
        public const string Active = "active";

        /// <summary>Not active or not visible to the caller: one tag, like the one answer.</summary>
        public const string Inactive = "inactive";

        /// <summary>The request was malformed (400, 413, 415).</summary>
        public const string Invalid = "invalid";

        /// <summary>The caller used up its allowance (429).</summary>
        public const string Throttled = "throttled";
    }

    /// <summary>A credential presented on a request was checked; <paramref name="outcome"/> is one of <see cref="AuthenticationOutcomes"/>.</summary>
    public void Authenticated(string outcome) => _authentications.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>
    /// The start of a credential check for <see cref="RecordAuthentication"/>: <see cref="Stopwatch.GetTimestamp"/>, or 0
    /// without reading the clock when nobody listens to the duration.
    /// </summary>
    public long StartAuthentication() => _authenticationDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>
    /// Records how long a credential check took since <paramref name="startTimestamp"/> (from
    /// <see cref="StartAuthentication"/> or <see cref="Stopwatch.GetTimestamp"/>; 0 records nothing);
    /// <paramref name="cache"/> is one of <see cref="CacheLookups"/>.
    /// </summary>
    public void RecordAuthentication(long startTimestamp, string cache)
    {
        if (startTimestamp != 0 && _authenticationDuration.Enabled)
        {
            _authenticationDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds,
                new KeyValuePair<string, object?>("cache", cache));
        }
    }

    public void CacheHit() => _cacheHits.Add(1);

    public void CacheMiss() => _cacheMisses.Add(1);

    /// <summary>How a miss was answered; <paramref name="source"/> is one of <see cref="MissAnswers"/>.</summary>
    public void MissAnswered(string source) => _cacheMissAnswers.Add(1, new KeyValuePair<string, object?>("source", source));

    /// <summary>The <c>source</c> tag of <c>latchkey.credential_cache.miss_answers</c>.</summary>
    public static class MissAnswers
    {
        public const string Database = "database";
        public const string Shared = "shared";
        public const string KnownUnknown = "known_unknown";
    }

    /// <summary>Entries left the cache; <paramref name="reason"/> is one of <see cref="EvictionReasons"/>.</summary>
    public void CacheEvicted(string reason, long count = 1) =>
        _cacheEvictions.Add(count, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A login reached its outcome; <paramref name="outcome"/> is one of <see cref="LoginOutcomes"/>.</summary>
    public void LoggedIn(string outcome) => _logins.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A request joined the queue for a hashing slot.</summary>
    public void HashingQueued() => _hashingQueueLength.Add(1);

    /// <summary>A queued request left the queue, with a slot or without (refused, cancelled).</summary>
    public void HashingDequeued() => _hashingQueueLength.Add(-1);

    /// <summary>A request got its hashing slot after <paramref name="wait"/>.</summary>
    public void HashingWaited(TimeSpan wait)
    {
        if (_hashingWait.Enabled)
        {
            _hashingWait.Record(wait.TotalSeconds);
        }
    }

    /// <summary>A hashing slot was given back after <paramref name="held"/>.</summary>
    public void HashingHeld(TimeSpan held)
    {
        if (_hashingDuration.Enabled)
        {
            _hashingDuration.Record(held.TotalSeconds);
        }
    }

    /// <summary>A request was refused a hashing slot (the gate is at capacity).</summary>
    public void HashingRefused() => _hashingRefusals.Add(1);

    /// <summary>The <c>outcome</c> tag of <c>latchkey.authentications</c>.</summary>
    public static class AuthenticationOutcomes
    {
        public const string Success = "success";
        public const string Malformed = "malformed";
        public const string Unknown = "unknown";
        public const string AppIdMissing = "app_id_missing";
        public const string AppMismatch = "app_mismatch";
        public const string Expired = "expired";
        public const string IdleExpired = "idle_expired";
        public const string Disabled = "disabled";
        public const string Superseded = "superseded";

        /// <summary>Storage could not be reached: the request was answered 503.</summary>
        public const string Unavailable = "unavailable";

        /// <summary>The tag for a validator's failure (<see cref="CredentialFailure.None"/> is a success).</summary>
        public static string Of(CredentialFailure failure) => failure switch
        {
            CredentialFailure.None => Success,
            CredentialFailure.Malformed => Malformed,
            CredentialFailure.Unknown => Unknown,
            CredentialFailure.AppIdMissing => AppIdMissing,
            CredentialFailure.AppMismatch => AppMismatch,
            CredentialFailure.Expired => Expired,
            CredentialFailure.IdleExpired => IdleExpired,
            CredentialFailure.Disabled => Disabled,
            CredentialFailure.Superseded => Superseded,
            _ => Unknown,
        };
    }

    /// <summary>The <c>cache</c> tag of <c>latchkey.authentication.duration</c>.</summary>
    public static class CacheLookups
    {
        public const string Hit = "hit";
        public const string Miss = "miss";

        /// <summary>The cache was not asked (turned off, or not trusted while invalidations cannot be heard).</summary>
        public const string None = "none";
    }

    /// <summary>The <c>reason</c> tag of <c>latchkey.credential_cache.evictions</c>.</summary>
    public static class EvictionReasons
    {
        /// <summary>A revocation, logout, password change, disable, role change or deletion (here or on another instance).</summary>
        public const string Invalidated = "invalidated";

        /// <summary>The cache was full.</summary>
        public const string Capacity = "capacity";

        /// <summary>The entry's session expired (absolute or idle).</summary>
        public const string Expired = "expired";

        /// <summary>The whole cache was dropped (e.g. the invalidation listener lost its connection).</summary>
        public const string Cleared = "cleared";
    }

    /// <summary>The <c>outcome</c> tag of <c>latchkey.logins</c>.</summary>
    public static class LoginOutcomes
    {
        public const string Success = "success";

        /// <summary>The request was malformed (400): no verification ran.</summary>
        public const string Invalid = "invalid";

        /// <summary>
        /// A bad credential (401): unknown login, wrong password, machine login or disabled user, deliberately one tag
        /// like the response, so that the metric cannot tell which logins exist or which guess was right.
        /// </summary>
        public const string Refused = "refused";

        /// <summary>The login is locked after too many failures (answered 401 like a wrong password).</summary>
        public const string Locked = "locked";

        /// <summary>The login was in its delay after repeated failures (429): not verified.</summary>
        public const string Throttled = "throttled";

        /// <summary>The client's allowance of failed attempts ran out while it waited for a hashing slot (429).</summary>
        public const string RateLimited = "rate_limited";

        /// <summary>Password hashing was at capacity (503).</summary>
        public const string Busy = "busy";

        /// <summary>Anything else that ended the login (e.g. storage unavailable, 503).</summary>
        public const string Error = "error";
    }
}
